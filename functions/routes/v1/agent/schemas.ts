/**
 * The agent protocol's schemas (proto/agent-api.ts), named for the OpenAPI
 * document. proto/ stays free of OpenAPI; naming happens here.
 */
import "@hono/zod-openapi";
import {
  AgentSshKeySchema,
  AgentStateSchema,
  AllocationRequestSchema,
  AllocationResponseSchema,
  HeartbeatRequestSchema,
  HeartbeatResponseSchema,
  HostKeysRequestSchema,
  HostKeysResponseSchema,
  RegisterAgentRequestSchema,
  RegisterAgentResponseSchema,
  RotatedCredentialSchema,
  SnapshotsRequestSchema,
  SnapshotsResponseSchema,
  TransitionsRequestSchema,
  TransitionsResponseSchema,
} from "../../../../proto/agent-api.ts";

export const RegisterAgentRequest = RegisterAgentRequestSchema.openapi("AgentRegisterRequest");
export const RegisterAgentResponse = RegisterAgentResponseSchema.openapi("AgentRegisterResponse");
export const RotatedCredential = RotatedCredentialSchema.openapi("AgentRotatedCredential");
export const HeartbeatRequest = HeartbeatRequestSchema.openapi("AgentHeartbeatRequest");
export const HeartbeatResponse = HeartbeatResponseSchema.openapi("AgentHeartbeatResponse");
export const AgentState = AgentStateSchema.openapi("AgentState");
export const AgentSshKey = AgentSshKeySchema.openapi("AgentSshKey");
export const AllocationRequest = AllocationRequestSchema.openapi("AgentAllocationRequest");
export const AllocationResponse = AllocationResponseSchema.openapi("AgentAllocationResponse");
export const TransitionsRequest = TransitionsRequestSchema.openapi("AgentTransitionsRequest");
export const TransitionsResponse = TransitionsResponseSchema.openapi("AgentTransitionsResponse");
export const HostKeysRequest = HostKeysRequestSchema.openapi("AgentHostKeysRequest");
export const HostKeysResponse = HostKeysResponseSchema.openapi("AgentHostKeysResponse");
export const SnapshotsRequest = SnapshotsRequestSchema.openapi("AgentSnapshotsRequest");
export const SnapshotsResponse = SnapshotsResponseSchema.openapi("AgentSnapshotsResponse");

/** Errors every authenticated agent route can answer with. */
export const AGENT_ERRORS = ["unauthorized", "forbidden", "rate_limited"] as const;
