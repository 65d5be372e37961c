/**
 * The tenant boundary of the shared free inventory (README "Security model").
 *
 * A machine's SSH identity is what an agent connects to and trusts: its
 * address, host name, port, user, key ref and pinned host key. Whoever sets
 * it decides which host receives a cluster's bootstrap token. So every write
 * of an identity field records who made it (`identitySetBy`) and, when that
 * token is scoped to a cluster, that cluster (`identityScopeClusterId`).
 * A scoped machine is given only to its scope's pools, by allocation, assign
 * or move, until an unscoped operator confirms its identity
 * (POST /v1/machines/{id}/confirm-identity), which clears the scope.
 *
 * An unscoped token's edit keeps an existing scope: it may change one field
 * and leave the rest as the scoped token set them; only the explicit
 * confirmation vouches for the whole identity.
 *
 * The agent pinning a host key on first use does not touch any of this: it
 * records what the host at the recorded address showed, so it cannot point
 * the machine at another host; the address was already set, and scoped, by
 * whoever set it.
 */
import type { Machine } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";

/** Machine fields that make up its SSH identity. */
export const IDENTITY_FIELDS = [
  "ip",
  "hostname",
  "sshUser",
  "sshPort",
  "sshKeyRef",
  "hostKeyFingerprint",
] as const satisfies readonly (keyof Machine)[];

const IDENTITY = new Set<string>(IDENTITY_FIELDS);

export function isIdentityField(name: string): boolean {
  return IDENTITY.has(name);
}

export const MACHINE_IDENTITY_CONFIRMED_EVENT = "machine.identity_confirmed";

/**
 * The identity columns after `actor` (scoped to `scopeClusterId`, null when
 * unscoped) sets identity fields of a machine whose current scope is `current`.
 */
export function identityWrite(
  actor: string,
  scopeClusterId: string | null,
  current: string | null,
): Pick<Machine, "identitySetBy" | "identityScopeClusterId"> {
  return { identitySetBy: actor, identityScopeClusterId: scopeClusterId ?? current };
}

/** Whether a pool of `clusterId` may be given the machine. */
export function identityAllows(machine: Pick<Machine, "identityScopeClusterId">, clusterId: string): boolean {
  return machine.identityScopeClusterId === null || machine.identityScopeClusterId === clusterId;
}

/** Refuses (409) to put a machine into a cluster other than the one its unconfirmed identity is scoped to. */
export function assertIdentityAllows(machine: Machine, clusterId: string): void {
  if (identityAllows(machine, clusterId)) return;
  throw new AppError(
    "conflict",
    `machine ${machine.id} has an SSH identity set by ${machine.identitySetBy ?? "a token"} scoped to ` +
      `cluster ${machine.identityScopeClusterId}; an unscoped operator or admin must confirm it ` +
      `(POST /v1/machines/${machine.id}/confirm-identity) before another cluster can be given it`,
    {
      machineId: machine.id,
      identityScopeClusterId: machine.identityScopeClusterId,
      identitySetBy: machine.identitySetBy,
      clusterId,
    },
  );
}
