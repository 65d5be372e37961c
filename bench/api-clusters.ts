/**
 * GET /v1/clusters over CLUSTERS clusters with kubeconfigs and API server
 * states (issue 16: p99 < 50 ms). The fleet is seeded with INSERT … SELECT
 * generate_series, in the shape of a mixed estate: 40 % agent-only clusters
 * heartbeating with a reported version, 40 % kubeconfig-only (an eighth of
 * them not checked yet, the rest spread over the four API server statuses),
 * 10 % both, 10 % neither (pending); a quarter of the kubeconfig-only ones
 * (10 % of the fleet) soft-deleted.
 *
 * Each scenario walks its pages as a client does (first page, then each
 * nextCursor, starting again at the end), so deep pages are timed as well as
 * the first; warmed up, then timed → p50 / p99 per scenario.
 */
import type pg from "pg";
import type { TestApi } from "../test/support/api.ts";

export const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 10_000);
const RUNS = Number(process.env.BENCH_CLUSTER_LIST_RUNS ?? 200);
const WARMUP = 20;
export const CLUSTER_LIST_TARGET_P99_MS = 50;

/** default limit (50), each sort, and each kind of filter */
export const CLUSTER_LIST_SCENARIOS: Record<string, string> = {
  default: "/v1/clusters",
  nameDesc: "/v1/clusters?sort=-name",
  newestFirst: "/v1/clusters?sort=-createdAt",
  apiServerHealthy: "/v1/clusters?apiServerStatus=healthy&sort=name",
  apiServerUnreachable: "/v1/clusters?apiServerStatus=unreachable",
  unchecked: "/v1/clusters?apiServerStatus=unchecked",
  kubeconfigVersion: "/v1/clusters?access=kubeconfig&version=1.30",
  agentHealthyProd: "/v1/clusters?access=agent&status=healthy&labelSelector=env%3Dprod",
  search: "/v1/clusters?q=fleet-00&sort=-name",
};

const round = (x: number, digits = 2) => Number(x.toFixed(digits));
const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};

export async function seedClusterFleet(sql: pg.Client): Promise<void> {
  const started = performance.now();
  // g % 10: 0-3 agent, 4-7 kubeconfig, 8 both, 9 neither
  await sql.query(
    `insert into clusters (name, description, labels, status, kubernetes_version, agent_version,
                           last_heartbeat_at, agent_credential_hash, registered_at, created_at)
     select 'fleet-' || lpad(g::text, 5, '0'),
            'bench cluster ' || g,
            jsonb_build_object('env', case when g % 3 = 0 then 'prod' else 'dev' end, 'team', 't' || (g % 17)),
            case when g % 10 in (0, 1, 2, 3, 8) then 'active' else 'pending' end,
            case when g % 10 in (0, 1, 2, 3, 8) then 'v1.' || (28 + g % 4) || '.' || (g % 9) end,
            case when g % 10 in (0, 1, 2, 3, 8) then '0.2.0' end,
            case when g % 10 in (0, 1, 2, 3, 8) then now() - ((g % 7) * interval '1 minute') end,
            case when g % 10 in (0, 1, 2, 3, 8) then 'bench-credential-' || g end,
            case when g % 10 in (0, 1, 2, 3, 8) then now() - interval '30 days' end,
            now() - interval '60 days' + g * interval '1 second'
     from generate_series(1, $1::int) g`,
    [CLUSTERS],
  );
  await sql.query(`update clusters set deleted_at = now()
                   where name like 'fleet-%' and substring(name from 7)::int % 10 = 5`);
  await sql.query(
    `insert into cluster_kubeconfigs (cluster_id, ciphertext, encryption_key_id, server, context_name,
                                      auth_kind, has_certificate_authority, version)
     select id, 'v1.bench.bm9uY2U.c2VhbGVk', 'bench', 'https://' || name || '.example.net:6443', 'admin',
            case when n % 3 = 0 then 'client-certificate' else 'token' end, true, 1
     from (select id, name, substring(name from 7)::int as n from clusters where name like 'fleet-%') c
     where n % 10 in (4, 5, 6, 7, 8)`,
  );
  // every kubeconfig but one in eight has been checked
  await sql.query(
    `insert into cluster_states (cluster_id, status, error, kubernetes_version, node_count_total,
                                 node_count_ready, cpu_capacity_millis, memory_capacity_bytes,
                                 cpu_allocatable_millis, memory_allocatable_bytes, latency_ms,
                                 kubeconfig_version, checked_at, last_healthy_at, consecutive_failures)
     select k.cluster_id,
            (array['healthy', 'healthy', 'healthy', 'degraded', 'unreachable', 'unauthorized', 'healthy'])[1 + n % 7],
            case when n % 7 in (3, 4, 5) then 'the last check failed' end,
            case when n % 7 not in (4, 5) then 'v1.' || (28 + n % 4) || '.' || (n % 9) end,
            3 + n % 40, 3 + n % 40 - (n % 7 = 3)::int, 4000 * (3 + n % 40), (16::bigint << 30) * (3 + n % 40),
            3900 * (3 + n % 40), (15::bigint << 30) * (3 + n % 40), 5 + n % 90,
            1, now() - (n % 60) * interval '1 second', now() - interval '1 minute', (n % 7 in (4, 5))::int * 3
     from cluster_kubeconfigs k
     join (select id, substring(name from 7)::int as n from clusters where name like 'fleet-%') c on c.id = k.cluster_id
     where (n / 10) % 8 <> 0`,
  );
  await sql.query("analyze clusters; analyze cluster_kubeconfigs; analyze cluster_states");
  const { rows } = await sql.query<{ live: string; kubeconfigs: string; states: string }>(
    `select (select count(*) from clusters where deleted_at is null) as live,
            (select count(*) from cluster_kubeconfigs) as kubeconfigs,
            (select count(*) from cluster_states) as states`,
  );
  console.log(
    `seeded ${CLUSTERS} clusters (${rows[0]!.live} live clusters in all, ${rows[0]!.kubeconfigs} kubeconfigs, ` +
      `${rows[0]!.states} states) in ${Math.round(performance.now() - started)} ms`,
  );
}

export interface ClusterListFigures {
  p50: number;
  p99: number;
  itemsPerPage: number;
  pagesWalked: number;
}

/** RUNS timed requests of one scenario, following nextCursor page by page. */
async function benchScenario(api: TestApi, name: string, path: string): Promise<ClusterListFigures> {
  let cursor: string | null = null;
  let pagesWalked = 0;
  let items = 0;
  const once = async () => {
    const url = cursor ? `${path}${path.includes("?") ? "&" : "?"}cursor=${cursor}` : path;
    const started = performance.now();
    const res = await api.call("GET", url, { token: api.admin });
    const body = (await res.json()) as { items?: unknown[]; nextCursor?: string | null };
    const ms = performance.now() - started;
    if (res.status !== 200)
      throw new Error(`GET ${url}: ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
    items = Math.max(items, body.items?.length ?? 0);
    cursor = body.nextCursor ?? null;
    pagesWalked++;
    return ms;
  };
  for (let i = 0; i < WARMUP; i++) await once();
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) times.push(await once());
  const figures = {
    p50: percentile(times, 50),
    p99: percentile(times, 99),
    itemsPerPage: items,
    pagesWalked,
  };
  console.log(
    `clusters ${name} (${path}): ${RUNS} requests, p50 ${round(figures.p50)} ms, p99 ${round(figures.p99)} ms, ` +
      `${items} items/page`,
  );
  return figures;
}

export async function benchClusterList(api: TestApi) {
  const scenarios: Record<string, { p50Ms: number; p99Ms: number; itemsPerPage: number }> = {};
  let worstP99 = 0;
  for (const [name, path] of Object.entries(CLUSTER_LIST_SCENARIOS)) {
    const f = await benchScenario(api, name, path);
    scenarios[name] = { p50Ms: round(f.p50), p99Ms: round(f.p99), itemsPerPage: f.itemsPerPage };
    worstP99 = Math.max(worstP99, f.p99);
  }
  return {
    clusters: CLUSTERS,
    clusterListRuns: RUNS,
    clusterListScenarios: scenarios,
    clusterListWorstP99Ms: round(worstP99),
    clusterListTargetP99Ms: CLUSTER_LIST_TARGET_P99_MS,
    clusterListTargetMet: worstP99 < CLUSTER_LIST_TARGET_P99_MS,
  };
}
