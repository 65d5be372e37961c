/** The built-in pipelines (issue 5) and what callers need to feed and read them. */

export { factsPipeline, hostFactsIn } from "./facts.ts";
export type { GpuFact, HostFacts, RuntimeName } from "./facts-parse.ts";
export { parseFacts } from "./facts-parse.ts";
export type { HookEnv, Hooks, JoinInput, PrepareInput, ResetInput } from "./inputs.ts";
export { JOIN_SECRETS, parseJoinInput, parsePrepareInput, parseResetInput } from "./inputs.ts";
export { JOIN_CONFIG_PATH, joinPipeline, KSP_STATE_DIR } from "./join.ts";
export { configVersionFor, joinConfiguration } from "./join-config.ts";
export type { KubeletState, Membership } from "./membership.ts";
export { judgeMembership, parseKubeletState } from "./membership.ts";
export { preflightPipeline } from "./preflight.ts";
export type { PreflightInput, Requirements } from "./preflight-input.ts";
export { parsePreflightInput } from "./preflight-input.ts";
export { preparePipeline } from "./prepare.ts";
export { probePipeline } from "./probe.ts";
export { resetPipeline } from "./reset.ts";
