/**
 * The control plane's rules as FakeControlPlane plays them, each named after
 * where the real one lives (functions/services/agent/*, machines/*), so a
 * change there has one obvious place to follow here. The contract suite
 * (test/support/contracts/control-plane-contract.ts) checks both agree.
 */
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import type { AgentMachine, AllocatedMachine, DesiredState } from "../../../proto/agent-api.ts";
import type { MachineState } from "../../../proto/machine-states.ts";

export const refusal = (status: number, code: string, message: string, details?: Record<string, unknown>) =>
  new ControlPlaneError({ kind: "http", status, code, message, details });

/** Like the routes' request validation: the protocol's schema refuses it, 400 validation_failed. */
export function validated<T>(
  schema: {
    safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: unknown[] } };
  },
  value: unknown,
  what: string,
): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw refusal(400, "validation_failed", `${what}: the request does not match the agent protocol`, {
      issues: parsed.error.issues,
    });
  }
  return parsed.data;
}

/** agent-views.ts desiredStateOf: derived from the status on every answer, never stored. */
const JOINED: readonly MachineState[] = ["reserved", "joining", "ready"];
export const desiredStateOf = (status: MachineState): DesiredState =>
  JOINED.includes(status) ? "joined" : "absent";

/** Free inventory has no cluster and no pool; the fake's machines with no pool stand for it. */
export const inFreeInventory = (m: AgentMachine): boolean => m.poolId === null;

/** The stored SSH key a machine without sshKeyRef uses (issue 16's key store). */
export const DEFAULT_SSH_KEY_NAME = "default";

/** reserve-statement.ts RESERVE_REASON: the status reason a reservation writes. */
export const RESERVE_REASON = "reserved for scale-up";

/** agent-views.ts allocatedMachineView. */
export function allocatedView(m: AgentMachine): AllocatedMachine {
  return structuredClone({
    id: m.id,
    providerId: m.providerId,
    hostname: m.hostname,
    ip: m.ip,
    ssh: m.ssh,
    hostKeyFingerprint: m.hostKeyFingerprint,
    status: m.status,
    version: m.version,
    labels: m.labels,
    taints: m.taints,
  });
}

/** pin-host-keys.ts: an operator may have stored the key padded; the protocol's form is unpadded. */
export const unpadded = (fingerprint: string): string => fingerprint.replace(/=+$/, "");

/** register-agent.ts / authenticate.ts: one answer whatever was wrong, so a caller learns nothing. */
export const registrationRefused = () =>
  refusal(401, "unauthorized", "the registration token is unknown, already used or expired");
export const credentialRefused = () =>
  refusal(401, "unauthorized", "the bearer token is missing, unknown, revoked or expired");
