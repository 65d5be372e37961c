/**
 * The agent pins the SSH host keys it learned on first use. Each item is one
 * guarded UPDATE in its own short transaction: the fingerprint is stored only
 * while the machine has none and only on a machine of the caller's cluster,
 * so a pinned key is never overwritten here (an operator clears or replaces
 * it through PATCH /v1/machines/{id}). When nothing was updated, a read tells
 * the cases apart: the same key already pinned is an idempotent retry (ok,
 * pinned: false), another key is a conflict naming the pinned one, and a
 * machine outside the cluster is not_found, as if it did not exist.
 *
 * A pin is not a status change, so the machine's `version` (which guards the
 * transitions the agent sends concurrently, with expectedVersion) stays as it
 * is. Each real pin writes an event and bumps the cluster's state version, so
 * every replica sees the key on its next poll.
 *
 * A pin leaves the machine's identity scope (machines/identity.ts) alone: it
 * only records what the host at the stored address showed the agent, so it
 * cannot point the machine at another host; whoever set the address set,
 * and scoped, the identity.
 */
import { and, eq, isNull } from "drizzle-orm";
import { machines } from "../../../drizzle/schema/index.ts";
import type { HostKeyPin, HostKeyResult, HostKeysResponse } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import { bumpStateVersions, publishStateVersions } from "../clusters/state-version.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { machineNotFound, recordMachineEvent } from "../machines/machine-lookup.ts";
import { itemFailure } from "./item-failure.ts";

export const HOST_KEY_PINNED_EVENT = "machine.host_key_pinned";

/**
 * An operator may have stored the key with base64 padding (PATCH /v1/machines
 * accepts it); the protocol's form, which the agent sends and is answered in,
 * is unpadded.
 */
const unpadded = (fingerprint: string) => fingerprint.replace(/=+$/, "");

/** Attempts per item: a key an operator clears between our UPDATE and our read gets one more try. */
const ATTEMPTS = 2;

export interface PinHostKeysInput {
  clusterId: string;
  items: HostKeyPin[];
}

export async function pinHostKeys({ ctx, input }: ServiceCall<PinHostKeysInput>): Promise<HostKeysResponse> {
  const stateVersions = new Map<string, number>();
  const results: HostKeyResult[] = [];
  try {
    for (const item of input.items) {
      results.push(await pinItem(ctx, input.clusterId, item, stateVersions));
    }
  } finally {
    // versions only grow, so the map holds the newest one
    await publishStateVersions(ctx, stateVersions);
  }
  const pinned = results.filter((r) => r.ok && r.pinned).length;
  const failed = results.filter((r) => !r.ok).length;
  return { results, summary: { pinned, unchanged: results.length - pinned - failed, failed } };
}

async function pinItem(
  ctx: ServiceContext,
  clusterId: string,
  item: HostKeyPin,
  stateVersions: Map<string, number>,
): Promise<HostKeyResult> {
  try {
    for (let attempt = 1; ; attempt++) {
      if (await pinIfUnpinned(ctx, clusterId, item, stateVersions)) {
        return { machineId: item.machineId, ok: true, pinned: true, fingerprint: item.fingerprint };
      }
      const [current] = await ctx.db
        .select({ fingerprint: machines.hostKeyFingerprint })
        .from(machines)
        .where(and(eq(machines.id, item.machineId), eq(machines.clusterId, clusterId)));
      if (!current) throw machineNotFound(item.machineId);
      if (current.fingerprint === null && attempt < ATTEMPTS) continue;
      if (current.fingerprint === null) {
        throw new AppError("conflict", `machine ${item.machineId} changed meanwhile; try again`, {
          pinned: null,
        });
      }
      const pinned = unpadded(current.fingerprint);
      if (pinned === item.fingerprint) {
        return { machineId: item.machineId, ok: true, pinned: false, fingerprint: pinned };
      }
      throw new AppError(
        "conflict",
        `machine ${item.machineId} has another host key pinned; clear it through PATCH /v1/machines/{id} ` +
          "if the host was really reinstalled",
        { pinned },
      );
    }
  } catch (err) {
    return itemFailure(item.machineId, err);
  }
}

/** The guarded write: true when this call pinned the key (event written, state version bumped). */
async function pinIfUnpinned(
  ctx: ServiceContext,
  clusterId: string,
  item: HostKeyPin,
  stateVersions: Map<string, number>,
): Promise<boolean> {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(machines)
      .set({ hostKeyFingerprint: item.fingerprint, updatedAt: ctx.clock.now() })
      .where(
        and(
          eq(machines.id, item.machineId),
          eq(machines.clusterId, clusterId),
          isNull(machines.hostKeyFingerprint),
        ),
      )
      .returning();
    if (!row) return false;
    await recordMachineEvent(tx, ctx, {
      kind: HOST_KEY_PINNED_EVENT,
      machine: row,
      metadata: { fingerprint: item.fingerprint },
    });
    for (const [id, version] of await bumpStateVersions(tx, [clusterId])) stateVersions.set(id, version);
    return true;
  });
}
