/** Short names for the API's schemas (generated in schema.ts). */
import type { components } from "./schema.ts";

type Schemas = components["schemas"];
export type Cluster = Schemas["Cluster"];
export type Pool = Schemas["Pool"];
export type PoolStatus = Schemas["PoolStatus"];
export type Machine = Schemas["Machine"];
export type MachineSummary = Schemas["MachineSummary"];
export type MachineEvent = Schemas["Event"];
export type AuditEntry = Schemas["AuditEntry"];
export type DeadLetter = Schemas["DeadLetter"];
export type Order = Schemas["Order"];
export type Strategy = Schemas["Strategy"];
export type StrategyEvaluation = Schemas["StrategyEvaluation"];
export type QueryTemplate = Schemas["QueryTemplate"];
export type ImportReport = Schemas["MachineImportReport"];
export type ImportRow = Schemas["MachineImportRow"];
export type PoolScaling = Schemas["PoolScaling"];
export type ScalingDecision = Schemas["ScalingDecision"];
export type PoolHistory = Schemas["PoolHistory"];
