/**
 * "Why didn't it scale?" for one pool, from the control plane's own records:
 *  - lastScaleUp: the pool's latest `pool.scale_up` decision event
 *    (record-scale-decision.ts), granted or refused with ranked reasons;
 *  - lastScaleDown: the newer of the pool's latest `pool.scale_down` event (a
 *    scale-down the agent refused and reported: min size, maintenance) and
 *    the latest granted one, derived from the machine transitions the agent
 *    reports for Cluster Autoscaler (their reasons are
 *    proto/scale-down-reasons.ts), grouped by the request that carried them;
 *  - blockers: the pool's machines in `fault`, machines stuck in reserved or
 *    joining past the pool's join and registration timeouts (the agent keeps
 *    putting them off, see agent/reconciler/reconciler.ts, or is not running),
 *    and joins that failed in the last day.
 * Four indexed queries, each bounded; nothing here writes.
 */
import { and, desc, eq, gte, inArray, isNull, lt, notInArray, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { machines, type NodePool, operations } from "../../../drizzle/schema/index.ts";
import { CA_NODE_DELETED_REASON, CA_TARGET_DECREASED_REASON } from "../../../proto/scale-down-reasons.ts";
import { MACHINE_TRANSITION_EVENT } from "../machines/transition-statement.ts";
import type { ScaleDecisionMetadata } from "./record-scale-decision.ts";
import {
  SCALE_DOWN_EVENT,
  SCALE_UP_EVENT,
  type ScalingOutcome,
  type ScalingReason,
} from "./scale-reasons.ts";

/** Blockers listed at most (newest first); a pool with more has a bigger problem than a list shows. */
export const MAX_BLOCKERS = 50;
/** How far back a failed join still counts as a blocker. */
export const JOIN_FAILURE_WINDOW_MS = 24 * 60 * 60 * 1000;

export interface ScalingDecisionView {
  /** when the decision was last taken (a coalesced refusal: its latest repeat) */
  at: string;
  direction: "up" | "down";
  requested: number;
  granted: number;
  outcome: ScalingOutcome;
  reasons: ScalingReason[];
  /** when it was first taken; differs from `at` only for a refusal repeated in a row */
  firstAt: string;
  /** how many times in a row it was taken (Cluster Autoscaler retries a refused scale-up) */
  repeats: number;
}

export type BlockerKind = "fault" | "backoff" | "join_failed";

export interface ScalingBlocker {
  machineId: string;
  machineName: string;
  kind: BlockerKind;
  reason: string;
  since: string;
}

export interface PoolScaling {
  lastScaleUp: ScalingDecisionView | null;
  lastScaleDown: ScalingDecisionView | null;
  blockers: ScalingBlocker[];
}

type ScalingPool = Pick<NodePool, "id" | "clusterId" | "lifecycleSettings">;

export async function poolScaling(db: Db, pool: ScalingPool, now: Date): Promise<PoolScaling> {
  const [lastScaleUp, refusedDown, grantedDown, stuck, failed] = await Promise.all([
    latestDecision(db, pool.id, SCALE_UP_EVENT),
    latestDecision(db, pool.id, SCALE_DOWN_EVENT),
    latestScaleDown(db, pool.id),
    stuckMachines(db, pool, now),
    failedJoins(db, pool.id, now),
  ]);
  const listed = new Set(stuck.map((b) => b.machineId));
  const blockers = [...stuck, ...failed.filter((b) => !listed.has(b.machineId))].slice(0, MAX_BLOCKERS);
  return { lastScaleUp, lastScaleDown: newer(refusedDown, grantedDown), blockers };
}

const newer = (a: ScalingDecisionView | null, b: ScalingDecisionView | null) =>
  !a ? b : !b ? a : Date.parse(a.at) >= Date.parse(b.at) ? a : b;

/** The pool's latest recorded decision (record-scale-decision.ts): every scale-up, refused scale-downs. */
async function latestDecision(db: Db, poolId: string, kind: string): Promise<ScalingDecisionView | null> {
  const [row] = await db
    .select({ metadata: operations.metadata, createdAt: operations.createdAt })
    .from(operations)
    .where(and(eq(operations.poolId, poolId), eq(operations.kind, kind)))
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(1);
  if (!row) return null;
  const m = row.metadata as Partial<ScaleDecisionMetadata>;
  const created = row.createdAt.toISOString();
  return {
    at: m.lastSeenAt ?? created,
    direction: m.direction ?? (kind === SCALE_UP_EVENT ? "up" : "down"),
    requested: m.requested ?? 0,
    granted: m.granted ?? 0,
    outcome: m.outcome ?? "refused",
    reasons: m.reasons ?? [],
    firstAt: m.firstSeenAt ?? created,
    repeats: m.repeats ?? 1,
  };
}

const CA_REASONS = [CA_NODE_DELETED_REASON, CA_TARGET_DECREASED_REASON];
const reasonOf = sql<string>`${operations.metadata}->>'reason'`;

/**
 * The transitions of the latest Cluster Autoscaler scale-down (one DeleteNodes
 * or DecreaseTargetSize call is one agent request). Each reported transition
 * is refused or applied on its own and only applied ones leave events, so
 * what was granted is what this shows; the agent's own refusals (min size,
 * maintenance) arrive as `pool.scale_down` events instead.
 */
async function latestScaleDown(db: Db, poolId: string): Promise<ScalingDecisionView | null> {
  const caTransitions = and(
    eq(operations.poolId, poolId),
    eq(operations.kind, MACHINE_TRANSITION_EVENT),
    inArray(reasonOf, CA_REASONS),
  );
  const latestRequest = db
    .select({ requestId: operations.requestId })
    .from(operations)
    .where(caTransitions)
    .orderBy(desc(operations.createdAt), desc(operations.id))
    .limit(1);
  const [row] = await db
    .select({
      first: sql<string>`min(${operations.createdAt})`.mapWith((v) => new Date(v)),
      last: sql<string>`max(${operations.createdAt})`.mapWith((v) => new Date(v)),
      deleted: sql<number>`(count(*) filter (where ${reasonOf} = ${CA_NODE_DELETED_REASON}))::int`,
      withdrawn: sql<number>`(count(*) filter (where ${reasonOf} = ${CA_TARGET_DECREASED_REASON}))::int`,
    })
    .from(operations)
    .where(and(caTransitions, eq(operations.requestId, sql`(${latestRequest})`)));
  if (!row || row.deleted + row.withdrawn === 0) return null;
  const reasons: ScalingReason[] = [];
  if (row.deleted > 0) {
    reasons.push({
      code: "nodes_deleted",
      message: `Cluster Autoscaler removed ${row.deleted} node(s): drained, then reset and released`,
      count: row.deleted,
    });
  }
  if (row.withdrawn > 0) {
    reasons.push({
      code: "target_decreased",
      message: `Cluster Autoscaler withdrew ${row.withdrawn} machine(s) that had not registered yet`,
      count: row.withdrawn,
    });
  }
  const granted = row.deleted + row.withdrawn;
  return {
    at: new Date(row.last).toISOString(),
    direction: "down",
    requested: granted,
    granted,
    outcome: "granted",
    reasons,
    firstAt: new Date(row.first).toISOString(),
    repeats: 1,
  };
}

const minutes = (ms: number) => `${Math.max(1, Math.round(ms / 60_000))} min`;

/** `fault`, and reserved/joining past the time the agent would have faulted them in. */
async function stuckMachines(db: Db, pool: ScalingPool, now: Date): Promise<ScalingBlocker[]> {
  const { joinTimeoutSeconds, registrationTimeoutSeconds } = pool.lifecycleSettings;
  const overdueMs = (joinTimeoutSeconds + registrationTimeoutSeconds) * 1000;
  const cutoff = new Date(now.getTime() - overdueMs);
  const rows = await db
    .select({
      id: machines.id,
      hostname: machines.hostname,
      status: machines.status,
      statusReason: machines.statusReason,
      lastError: machines.lastError,
      statusChangedAt: machines.statusChangedAt,
    })
    .from(machines)
    .where(
      and(
        eq(machines.poolId, pool.id),
        or(
          eq(machines.status, "fault"),
          and(inArray(machines.status, ["reserved", "joining"]), lt(machines.statusChangedAt, cutoff)),
        ),
      ),
    )
    .orderBy(desc(machines.statusChangedAt), machines.id)
    .limit(MAX_BLOCKERS);
  return rows.map((m) => {
    const since = m.statusChangedAt.toISOString();
    if (m.status === "fault") {
      const reason =
        [m.statusReason, m.lastError].filter(Boolean).join(": ") || "in fault (no reason recorded)";
      return { machineId: m.id, machineName: m.hostname, kind: "fault", reason, since };
    }
    const waited = minutes(now.getTime() - m.statusChangedAt.getTime());
    return {
      machineId: m.id,
      machineName: m.hostname,
      kind: "backoff",
      reason:
        `${m.status} for ${waited}, past the pool's join and registration timeouts (${minutes(overdueMs)}): ` +
        "the agent keeps retrying it (control plane or API server unreachable) or is not running",
      since,
    };
  });
}

/**
 * Joins that ended without a node in the last day: reserved or joining →
 * fault, available (rolled back, reservation expired) or leaving, for any
 * reason but Cluster Autoscaler's own withdrawal. A machine released to the
 * free inventory carries no pool on that event, so the pool is also found
 * through the machine's reservation events. Only the latest failure of each
 * machine, and none for a machine that made it since (ready) or is listed as
 * fault already.
 */
async function failedJoins(db: Db, poolId: string, now: Date): Promise<ScalingBlocker[]> {
  const since = new Date(now.getTime() - JOIN_FAILURE_WINDOW_MS);
  const reservedForPool = db
    .select({ id: operations.machineId })
    .from(operations)
    .where(
      and(
        eq(operations.poolId, poolId),
        eq(operations.kind, MACHINE_TRANSITION_EVENT),
        sql`${operations.metadata}->>'to' = 'reserved'`,
        gte(operations.createdAt, new Date(since.getTime() - JOIN_FAILURE_WINDOW_MS)),
      ),
    );
  // Two queries rather than one OR: each one is an index range (the pool's events; the released
  // machines' own events), where the OR would read every transition of the window.
  const [kept, released] = await Promise.all([
    joinFailures(db, since, eq(operations.poolId, poolId)),
    joinFailures(db, since, and(isNull(operations.poolId), inArray(operations.machineId, reservedForPool))!),
  ]);
  const latest = new Map<string, JoinFailureRow>();
  for (const row of [...kept, ...released].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())) {
    if (row.machineId && !latest.has(row.machineId)) latest.set(row.machineId, row);
  }
  return [...latest.values()]
    .filter((r) => !["ready", "draining", "fault"].includes(r.status))
    .slice(0, MAX_BLOCKERS)
    .map((r) => ({
      machineId: r.machineId!,
      machineName: r.hostname,
      kind: "join_failed" as const,
      reason: `join failed (${r.from} → ${r.to}): ${[r.reason, r.lastError].filter(Boolean).join(": ") || "no reason recorded"}`,
      since: r.createdAt.toISOString(),
    }));
}

type JoinFailureRow = Awaited<ReturnType<typeof joinFailures>>[number];

/** Failed-join events since `since` matching `where`, newest first, with their machine. */
function joinFailures(db: Db, since: Date, where: SQL) {
  return db
    .select({
      machineId: operations.machineId,
      hostname: machines.hostname,
      status: machines.status,
      reason: reasonOf,
      lastError: sql<string | null>`${operations.metadata}->>'lastError'`,
      from: sql<string>`${operations.metadata}->>'from'`,
      to: sql<string>`${operations.metadata}->>'to'`,
      createdAt: operations.createdAt,
    })
    .from(operations)
    .innerJoin(machines, eq(machines.id, operations.machineId))
    .where(
      and(
        where,
        eq(operations.kind, MACHINE_TRANSITION_EVENT),
        gte(operations.createdAt, since),
        sql`${operations.metadata}->>'from' in ('reserved', 'joining')`,
        sql`${operations.metadata}->>'to' in ('fault', 'available', 'leaving')`,
        or(isNull(reasonOf), notInArray(reasonOf, CA_REASONS)),
      ),
    )
    .orderBy(desc(operations.createdAt))
    .limit(MAX_BLOCKERS * 4);
}
