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
 *
 * The batch is one audit row, `machine.host_keys` (batch-audit.ts): each real
 * pin writes it with the summary so far, in the pin's transaction, and the
 * final summary is written once every item has had its turn.
 */
import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { machines } from "../../../drizzle/schema/index.ts";
import type { HostKeyPin, HostKeyResult, HostKeysResponse } from "../../../proto/agent-api.ts";
import { AppError } from "../../lib/errors.ts";
import { BatchAudit } from "../audit/batch-audit.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { machineNotFound, recordMachineEvent } from "../machines/machine-lookup.ts";
import { withClusterWrite } from "../unit-of-work.ts";
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

export const HOST_KEYS_AUDIT_ACTION = "machine.host_keys";

type Summary = HostKeysResponse["summary"];

export async function pinHostKeys({ ctx, input }: ServiceCall<PinHostKeysInput>): Promise<HostKeysResponse> {
  const audit = new BatchAudit(ctx, {
    action: HOST_KEYS_AUDIT_ACTION,
    resourceType: "machine",
    clusterId: input.clusterId,
  });
  const results: HostKeyResult[] = [];
  const record = (summary: Summary) => ({ items: input.items.length, ...summary });
  for (const item of input.items) {
    const sofar = summaryOf(results);
    // what the row says if this item pins its key
    const pinned = { ...sofar, pinned: sofar.pinned + 1 };
    results.push(await pinItem(ctx, input.clusterId, item, (tx) => audit.record(tx, record(pinned))));
  }
  const summary = summaryOf(results);
  await audit.finish(record(summary));
  return { results, summary };
}

function summaryOf(results: readonly HostKeyResult[]): Summary {
  const pinned = results.filter((r) => r.ok && r.pinned).length;
  const failed = results.filter((r) => !r.ok).length;
  return { pinned, unchanged: results.length - pinned - failed, failed };
}

async function pinItem(
  ctx: ServiceContext,
  clusterId: string,
  item: HostKeyPin,
  auditItem: (tx: Db) => Promise<void>,
): Promise<HostKeyResult> {
  try {
    for (let attempt = 1; ; attempt++) {
      if (await pinIfUnpinned(ctx, clusterId, item, auditItem)) {
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

/** The guarded write: true when this call pinned the key (event and audit row written, state version bumped). */
async function pinIfUnpinned(
  ctx: ServiceContext,
  clusterId: string,
  item: HostKeyPin,
  auditItem: (tx: Db) => Promise<void>,
): Promise<boolean> {
  return withClusterWrite(ctx, async (tx, write) => {
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
    await auditItem(tx);
    write.touch(clusterId);
    return true;
  });
}
