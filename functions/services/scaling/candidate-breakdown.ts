/**
 * Why a scale-up found too few machines, counted in ONE grouped statement
 * over the available machines the pool could have taken: its own, and the
 * free inventory broken down by each requirement it fails. Run only when a
 * reservation fell short (inside its transaction, the pool still locked), so
 * the common path pays nothing for it.
 */
import { and, eq, isNull, or, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { machines, type NodePool } from "../../../drizzle/schema/index.ts";
import { namedRequirementsConditions } from "../machines/requirements.ts";
import { type CandidateBreakdown, IDENTITY_SCOPE } from "./scale-reasons.ts";

const count = (where: SQL) => sql<number>`(count(*) filter (where ${where}))::int`;

export async function candidateBreakdown(
  tx: Db,
  pool: Pick<NodePool, "id" | "clusterId" | "hardwareRequirements">,
): Promise<CandidateBreakdown> {
  const named = namedRequirementsConditions(pool.hardwareRequirements);
  const free = and(isNull(machines.clusterId), isNull(machines.poolId))!;
  // the same rule as candidates.ts's identityAllowsSql
  const identityOk = or(
    isNull(machines.identityScopeClusterId),
    eq(machines.identityScopeClusterId, pool.clusterId),
  )!;
  // a NULL column (no region, no gpu type) fails a requirement as the candidate query does
  const fails = (where: SQL) => sql`not coalesce(${where}, false)`;
  const fitsAll = named.length === 0 ? sql`true` : sql`coalesce(${and(...named.map((n) => n.where))}, false)`;
  const columns: Record<string, SQL<number>> = {
    own: count(and(eq(machines.poolId, pool.id), identityOk)!),
    free: count(free),
    fitting: count(and(free, identityOk, fitsAll)!),
    scoped: count(and(free, sql`not ${identityOk}`)!),
  };
  named.forEach((n, i) => {
    columns[`r${i}`] = count(and(free, fails(n.where))!);
  });
  const [row] = await tx
    .select(columns)
    .from(machines)
    .where(and(eq(machines.status, "available"), or(eq(machines.poolId, pool.id), free)));
  const at = (key: string) => Number(row?.[key] ?? 0);
  return {
    own: at("own"),
    free: at("free"),
    fitting: at("fitting"),
    excluded: [
      ...named.map((n, i) => ({ requirement: n.requirement, count: at(`r${i}`) })),
      { requirement: IDENTITY_SCOPE, count: at("scoped") },
    ],
  };
}
