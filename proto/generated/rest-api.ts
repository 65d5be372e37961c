/**
 * GENERATED FILE, do not edit: the control plane's /openapi.json as TypeScript
 * types (openapi-typescript), the REST API's wire contract for the openapi-fetch
 * clients of the CLI (cli/api.ts) and the web console (console/src/api/client.ts).
 * Types only, no runtime code: the one file outside console/ the browser bundle may import.
 * Regenerate after changing a route: npm run gen:api-client
 * (scripts/generate-api-client.ts). test/unit/proto/generated/rest-api.test.ts
 * fails while this file is out of date.
 */

export interface paths {
  "/healthz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness probe */
    get: operations["getHealthz"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/readyz": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness probe: database, migrations and coordination store */
    get: operations["getReadyz"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/metrics": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Prometheus metrics of the control plane (Node only)
     * @description Prometheus text exposition: requests by route and status, job runs, queue decisions and depth, allocations and the process's metrics. A bearer token is required only when KSP_METRICS_TOKEN is set. On Workers: 404.
     */
    get: operations["getMetrics"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tokens/self": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The calling token itself: its name, role and cluster scope (any role)
     * @description Lets a client learn who it is signed in as without probing routes. Never returns the token or its hash.
     */
    get: operations["getOwnToken"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tokens": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List API tokens, revoked and expired ones included; never their hashes (admin) */
    get: operations["listTokens"];
    put?: never;
    /** Create an API token, shown once (admin) */
    post: operations["createToken"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/tokens/{tokenId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke an API token; it is refused from the next request on (admin) */
    delete: operations["revokeToken"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List clusters with derived health, machine counts and capacity (viewer) */
    get: operations["listClusters"];
    put?: never;
    /** Create a cluster with a one-time registration token for its agent, an imported kubeconfig, or both (admin) */
    post: operations["createCluster"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One cluster with derived health, machine counts and capacity (viewer) */
    get: operations["getCluster"];
    put?: never;
    post?: never;
    /**
     * Delete a cluster, returning its machines to inventory (admin)
     * @description Refused with 409 while machines are in use unless force=true. Machines not in use are detached keeping their state; in-use machines move to fault ('cluster deleted'). The agent credential, the registration token and tokens scoped to the cluster stop working; the name can be reused.
     */
    delete: operations["deleteCluster"];
    options?: never;
    head?: never;
    /** Change a cluster's description or labels (operator) */
    patch: operations["updateCluster"];
    trace?: never;
  };
  "/v1/clusters/{clusterId}/registration-token": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Issue a new one-time registration token; the previous one stops working (admin) */
    post: operations["rotateClusterRegistrationToken"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}/kubeconfig": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    /**
     * Import or replace a cluster's kubeconfig for API server health checks (admin)
     * @description Validated (one context, a server URL, inline credentials without exec or auth-provider plugins), encrypted at rest and never returned. Replacing it bumps kubeconfig.version.
     */
    put: operations["putClusterKubeconfig"];
    post?: never;
    /**
     * Remove a cluster's kubeconfig and its last API server check (admin)
     * @description The cluster stays (with its agent, if it has one); its API server is no longer checked.
     */
    delete: operations["deleteClusterKubeconfig"];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}/pools": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List a cluster's node pools (viewer) */
    get: operations["listPools"];
    put?: never;
    /** Create a node pool in a cluster (operator) */
    post: operations["createPool"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}/pools/{poolId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One node pool (viewer) */
    get: operations["getPool"];
    put?: never;
    post?: never;
    /**
     * Delete a node pool with no machines assigned (operator)
     * @description Refused with 409 (details: assigned machines by status) while any machine that is not archived is assigned to the pool. Archived machines keep their history and let go of the pool.
     */
    delete: operations["deletePool"];
    options?: never;
    head?: never;
    /** Change any settings of a node pool (operator) */
    patch: operations["updatePool"];
    trace?: never;
  };
  "/v1/clusters/{clusterId}/pools/{poolId}/status": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** A pool's machines per state, target size, bounds, recent events and why it did or did not scale (viewer) */
    get: operations["getPoolStatus"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}/pools/{poolId}/history": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A pool's machines by state and its utilisation over time, bucketed for charts (viewer)
     * @description The window defaults to the last 24 hours and may span at most 31 days (a longer, empty or reversed one is a 400). Machine counts are sampled every 5 minutes and kept for the retention period (KSP_RETENTION_DAYS); each series holds at most 300 points.
     */
    get: operations["getPoolHistory"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}/pools/{poolId}/enable": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Enable autoscaling of a node pool; idempotent (operator) */
    post: operations["enablePoolAutoscaling"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/clusters/{clusterId}/pools/{poolId}/disable": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Disable autoscaling of a node pool; idempotent (operator) */
    post: operations["disablePoolAutoscaling"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List machines; filters combine (viewer)
     * @description A cluster-scoped token sees only its cluster's machines, never the free inventory. clusterId and poolId take names too; an ambiguous pool name is a 409 listing the candidates.
     */
    get: operations["listMachines"];
    put?: never;
    /**
     * Add a machine to the free inventory (operator, unscoped)
     * @description The machine starts available, in no cluster. A live machine with the same IP is a 409.
     */
    post: operations["createMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/summary": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Machines by status: in all, in the free inventory and per cluster (viewer)
     * @description One grouped query, so one consistent snapshot: total = free.total + the clusters' totals, and a machine assigned or released meanwhile is counted exactly once. Counts what GET /v1/machines lists without filters: every status, archived included (archived machines are in the free inventory). A cluster-scoped token sees only its cluster's machines, never the free inventory. (A machine whose host name is "summary" is read as GET /v1/machines/{its id}.)
     */
    get: operations["getMachineSummary"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One machine, by id or hostname (viewer)
     * @description A hostname more than one visible machine has is a 409 listing them.
     */
    get: operations["getMachine"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Change labels, tags, SSH access or location of a machine (operator)
     * @description Labels and tags are replaced whole. On an assigned machine, a change that would make it stop meeting its pool's requirements is a 409.
     */
    patch: operations["updateMachine"];
    trace?: never;
  };
  "/v1/machines/{machineId}/assign": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Put a free, available machine into a pool (operator)
     * @description The machine must meet the pool's hardware requirements; the 409 lists every reason it does not. clusterId and poolId take names too (poolId: a name within that cluster, or "cluster/pool").
     */
    post: operations["assignMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/unassign": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Return a machine that is not in use to the free inventory (operator) */
    post: operations["unassignMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/move": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Move an available, assigned machine to another pool, of this or another cluster (operator)
     * @description The machine must meet the target pool's requirements. Moving to its own pool changes nothing. clusterId and poolId take names too (poolId: a name within that cluster, or "cluster/pool").
     */
    post: operations["moveMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/maintenance": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Take a machine out of service for maintenance, with a reason (operator) */
    post: operations["maintenanceMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/fault": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Mark a machine faulty, with a reason (operator) */
    post: operations["faultMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/restore": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Return a machine in maintenance, fault or archived to available (operator) */
    post: operations["restoreMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/archive": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Archive a machine that is not in use; it leaves its cluster and frees its IP (operator) */
    post: operations["archiveMachine"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/{machineId}/confirm-identity": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Confirm a machine's SSH identity so any cluster may be given it (operator, unscoped)
     * @description A machine whose address, user, key ref or host key was last set by a cluster-scoped token is given only to that cluster's pools (allocation, assign, move) until an unscoped operator or admin confirms it here. A cluster-scoped token is a 403.
     */
    post: operations["confirmMachineIdentity"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/machines/import": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Import machines in bulk from JSON, CSV or YAML (operator)
     * @description Every row is validated on its own and reported in `results` with status created, updated,
     *     unchanged, error (with field-level messages) or skipped, plus `summary` counts.
     *
     *     - all-or-nothing (default): if any row is in error nothing is written and the answer is
     *       422 import_rejected: the error envelope with the whole report beside it in `report`
     *       (every row's errors; the other rows `skipped`). The write is one transaction: a database
     *       failure half-way or an address taken concurrently writes nothing and answers an error
     *       envelope (409/400/500).
     *     - best-effort: valid rows are written, invalid rows reported (200; read `applied`); only a
     *       database failure other than a concurrent address clash rolls the whole write back (error
     *       envelope).
     *     - dryRun=true: the same validation and results (address clashes with the database included),
     *       nothing written, always 200 with `applied: false`; machines it would create have
     *       `machineId: null`. A cluster-scoped token's dry run sees only its own cluster's addresses,
     *       so it cannot probe what the fleet holds.
     *     - overwrite=true: a row whose IP belongs to a live machine updates only the fields it gives
     *       among the descriptive ones (hostname, SSH settings and host key, hardware facts, versions,
     *       location, labels, taints, tags) — never status or assignment; hardware facts may change while
     *       the machine is in use (they are facts). Without
     *       it such a row is an error. Duplicate IPs in one file are errors on the later rows.
     *     - clusterId+poolId (ids or names; poolId may be "cluster/pool"): created machines join that
     *       pool and must meet its hardware requirements; overwritten machines keep their assignment.
     *       A cluster-scoped token must name a pool of its cluster and can only overwrite that cluster's
     *       machines.
     *
     *     Rows are numbered as the user sees them: JSON/YAML by position from 1, CSV by the line the
     *     row starts on (the header being line 1). Bodies up to KSP_MAX_IMPORT_BYTES (16 MiB).
     */
    post: operations["importMachines"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/query-templates": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List device query templates (viewer) */
    get: operations["listQueryTemplates"];
    put?: never;
    /**
     * Create a device query template (unscoped operator)
     * @description Groups are combined with the template's logic, blocks inside a group with the group's logic. A block that does not make sense (a device field that does not exist, a value of the wrong kind for its operator) is a 400 naming its path, e.g. groups[1].blocks[0].operator. A name another template has is a 409.
     */
    post: operations["createQueryTemplate"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/query-templates/{templateId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One device query template (viewer) */
    get: operations["getQueryTemplate"];
    put?: never;
    post?: never;
    /** Delete a device query template (unscoped operator) */
    delete: operations["deleteQueryTemplate"];
    options?: never;
    head?: never;
    /**
     * Change a device query template (unscoped operator)
     * @description Any of name, description, logic and groups; groups are replaced whole and checked as on create. With expectedVersion, a template changed since is a 409 stale_version.
     */
    patch: operations["updateQueryTemplate"];
    trace?: never;
  };
  "/v1/device-query": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The machines a query template matches (viewer)
     * @description Give exactly one of templateId (a stored template) and template (inline); the machines must match it and every extra group. A block on a missing field, label or taint is false, except ne, notin and notexists, which are true. clusterId, poolId and unassigned narrow the search; a cluster-scoped token sees only its cluster's machines, never the free inventory. Oldest first; total counts every match. A read: not audited.
     */
    post: operations["queryDevices"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/matching-policies": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List matching policies (viewer) */
    get: operations["listMatchingPolicies"];
    put?: never;
    /**
     * Create a matching policy (unscoped operator)
     * @description For pools of poolType, the query template that picks machines for the action. A template that does not exist is a 400 naming templateId; a second policy for the same pool type and action is a 409.
     */
    post: operations["createMatchingPolicy"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/matching-policies/{policyId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One matching policy (viewer) */
    get: operations["getMatchingPolicy"];
    put?: never;
    post?: never;
    /** Delete a matching policy (unscoped operator) */
    delete: operations["deleteMatchingPolicy"];
    options?: never;
    head?: never;
    /**
     * Change a matching policy (unscoped operator)
     * @description Any of poolType, action, templateId and enabled. With expectedVersion, a policy changed since is a 409 stale_version; a pool type and action another policy has is a 409 conflict.
     */
    patch: operations["updateMatchingPolicy"];
    trace?: never;
  };
  "/v1/strategies": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List capacity strategies (viewer)
     * @description A cluster-scoped token sees the strategies whose scope is empty or reaches its cluster.
     */
    get: operations["listStrategies"];
    put?: never;
    /**
     * Create a capacity strategy (unscoped operator)
     * @description Percentages lie in 0-100; at least one of cpu and memory; for pool_entry each target is below its threshold, for pool_exit above. Templates, clusters and pools it names must exist. A refusal is a 400 naming the field (cpu.target, scope.clusterIds[1], extraConditions[0].blocks[1].operator); a name another strategy has is a 409.
     */
    post: operations["createStrategy"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/strategies/{strategyId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One capacity strategy (viewer)
     * @description A cluster-scoped token is told 404 for a strategy whose scope does not reach its cluster.
     */
    get: operations["getStrategy"];
    put?: never;
    post?: never;
    /**
     * Delete a capacity strategy and its history (unscoped operator)
     * @description Its orders stay and no longer name it.
     */
    delete: operations["deleteStrategy"];
    options?: never;
    head?: never;
    /**
     * Change a capacity strategy (unscoped operator)
     * @description Any field but status; a metric, the scope and extraConditions are replaced whole, and the merged strategy is checked as on create. With expectedVersion, a strategy changed since is a 409 stale_version.
     */
    patch: operations["updateStrategy"];
    trace?: never;
  };
  "/v1/strategies/{strategyId}/enable": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Enable a capacity strategy (unscoped operator)
     * @description A guarded transition: a strategy that is already enabled is a 409 illegal_transition; with expectedVersion, one changed since is a 409 stale_version.
     */
    post: operations["enableStrategy"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/strategies/{strategyId}/disable": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Disable a capacity strategy (unscoped operator)
     * @description A guarded transition: a strategy that is already disabled is a 409 illegal_transition; with expectedVersion, one changed since is a 409 stale_version.
     */
    post: operations["disableStrategy"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/strategies/{strategyId}/history": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * A capacity strategy's evaluations, newest first (viewer)
     * @description One row per (cluster, pool, scheduled run): the result, what the evaluation saw and why. A cluster-scoped token sees its own cluster's rows only.
     */
    get: operations["listStrategyEvaluations"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/duty-roster": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List duty shifts by start time (unscoped operator: contacts are personal data) */
    get: operations["listDutyShifts"];
    put?: never;
    /**
     * Put a person on duty for a time window (unscoped operator)
     * @description endsAt must come after startsAt; each contact's address must suit its channel (an email address, or an http(s) URL for webhook). Shifts may overlap: everyone on duty is notified.
     */
    post: operations["createDutyShift"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/duty-roster/{shiftId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One duty shift (unscoped operator: contacts are personal data) */
    get: operations["getDutyShift"];
    put?: never;
    post?: never;
    /** Delete a duty shift (unscoped operator) */
    delete: operations["deleteDutyShift"];
    options?: never;
    head?: never;
    /**
     * Change a duty shift (unscoped operator)
     * @description Any of person, startsAt, endsAt and contacts (replaced whole); the shift must still end after it starts.
     */
    patch: operations["updateDutyShift"];
    trace?: never;
  };
  "/v1/subscriptions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List subscriptions (unscoped operator) */
    get: operations["listSubscriptions"];
    put?: never;
    /**
     * Subscribe a webhook URL or email address to event types (unscoped operator)
     * @description eventTypes is a non-empty set of the notification event types; the address must suit the channel (an http(s) URL for webhook, an email address for email). A refusal names the field (eventTypes[1]).
     */
    post: operations["createSubscription"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/subscriptions/{subscriptionId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One subscription (unscoped operator) */
    get: operations["getSubscription"];
    put?: never;
    post?: never;
    /** Delete a subscription (unscoped operator) */
    delete: operations["deleteSubscription"];
    options?: never;
    head?: never;
    /**
     * Change a subscription (unscoped operator)
     * @description Any of name, eventTypes (replaced whole), channel, address and enabled; the address must suit the channel.
     */
    patch: operations["updateSubscription"];
    trace?: never;
  };
  "/v1/notifications": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The notification log, newest first (unscoped operator)
     * @description One row per event and recipient, with its delivery status and attempts.
     */
    get: operations["listNotifications"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List events and operations, newest first (viewer; scoped tokens see their cluster's) */
    get: operations["listEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/events/export": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Export events as NDJSON, newest first, streamed (viewer; scoped tokens see their cluster's) */
    get: operations["exportEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/operations/{operationId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One operation or event by id (viewer; scoped tokens only their cluster's) */
    get: operations["getOperation"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** List audit log entries, newest first (admin; scoped tokens see their cluster's) */
    get: operations["listAuditEntries"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/audit/export": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Export audit log entries as NDJSON, newest first, streamed (admin) */
    get: operations["exportAudit"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/ssh-keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List stored SSH keys by name, with fingerprints (viewer)
     * @description Needs KSP_ENCRYPTION_KEYS (the key is sealed at rest): without it, a 503 dependency_unavailable names the setting.
     */
    get: operations["listSshKeys"];
    put?: never;
    /**
     * Store an SSH private key, or generate an ed25519 one (unscoped admin)
     * @description The private key is sealed at rest and never returned; the response has its public key and fingerprint. A name another key has is a 409. Needs KSP_ENCRYPTION_KEYS (the key is sealed at rest): without it, a 503 dependency_unavailable names the setting.
     */
    post: operations["createSshKey"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/ssh-keys/{sshKey}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One stored SSH key by id or name, without its private key (viewer)
     * @description Needs KSP_ENCRYPTION_KEYS (the key is sealed at rest): without it, a 503 dependency_unavailable names the setting.
     */
    get: operations["getSshKey"];
    put?: never;
    post?: never;
    /**
     * Delete a stored SSH key no machine uses (unscoped admin)
     * @description A 409 (with the count) while machines that are not archived name it by sshKeyRef; for the key named "default", also while machines with no sshKeyRef exist.
     */
    delete: operations["deleteSshKey"];
    options?: never;
    head?: never;
    /**
     * Change a stored key's description (unscoped admin)
     * @description The key pair stays; use rotate to replace it. Needs KSP_ENCRYPTION_KEYS (the key is sealed at rest): without it, a 503 dependency_unavailable names the setting.
     */
    patch: operations["updateSshKey"];
    trace?: never;
  };
  "/v1/ssh-keys/{sshKey}/rotate": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Replace a stored key's key pair under the same name (unscoped admin)
     * @description The given private key, or a new ed25519 key; version goes up by one. Agents fetch the new key the next time they need it, so put the new public key on the machines before rotating. A concurrent rotation is a 409. Needs KSP_ENCRYPTION_KEYS (the key is sealed at rest): without it, a 503 dependency_unavailable names the setting.
     */
    post: operations["rotateSshKey"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/encryption": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Secrets at rest by encryption key: what waits for rotation, which keys are missing (admin)
     * @description Counts per table and key id, from one grouped query per table; never a value or key material. An older key may be removed from KSP_ENCRYPTION_KEYS once pendingRotation is 0.
     */
    get: operations["getEncryptionStatus"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/encryption/rotate": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Re-encrypt secrets still on an older key with the current one, one bounded pass now (admin)
     * @description What the rotate-encryption job does on every tick, without waiting for it: batches of values still on an older key are sealed again with the current key until none is left or the pass's bound is reached (complete: false; call again). A value another writer replaced meanwhile is skipped.
     */
    post: operations["rotateEncryption"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/dead-letters": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List dead letters, newest parked first (operator)
     * @description Operators (unscoped tokens: the job queue serves every cluster). Dead letters are job-queue messages given up on: parked by the consumer, or moved to Cloudflare's dead-letter queue (ksp-jobs-dlq). since/until filter on parkedAt.
     */
    get: operations["listDeadLetters"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/dead-letters/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One dead letter with its body, reason and replay history (operator)
     * @description Operators (unscoped tokens: the job queue serves every cluster). Dead letters are job-queue messages given up on: parked by the consumer, or moved to Cloudflare's dead-letter queue (ksp-jobs-dlq).
     */
    get: operations["getDeadLetter"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/dead-letters/{id}/replay": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send a parked dead letter's message to the job queue again, once (operator)
     * @description The stored body goes back on the job queue and the dead letter becomes `replayed`. Only a parked one whose body is still a valid job message can be replayed (409 otherwise); of two replays at once, one sends and the other is a 409. A replayed message that fails again is parked as a new dead letter. Operators (unscoped tokens: the job queue serves every cluster). Dead letters are job-queue messages given up on: parked by the consumer, or moved to Cloudflare's dead-letter queue (ksp-jobs-dlq).
     */
    post: operations["replayDeadLetter"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/dead-letters/{id}/discard": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Mark a parked dead letter as dealt with, without running it (operator)
     * @description The row is kept for the record. Only a parked one can be discarded (409 otherwise). Operators (unscoped tokens: the job queue serves every cluster). Dead letters are job-queue messages given up on: parked by the consumer, or moved to Cloudflare's dead-letter queue (ksp-jobs-dlq).
     */
    post: operations["discardDeadLetter"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List orders; filters combine (viewer)
     * @description Oldest first. A cluster-scoped token sees only its cluster's orders (never those for machines of the free inventory). clusterId and poolId take names too.
     */
    get: operations["listOrders"];
    put?: never;
    /**
     * Create a manual order, pending approval (operator)
     * @description pool_entry: free, available machines that fit the pool; pool_exit: machines of the pool; maintenance: any machines of one cluster (or of the free inventory) that are not archived. A machine already in an open order, or one that does not suit the action, is a 409 naming it; a missing clusterId or poolId for entry and exit is a 400 naming it.
     */
    post: operations["createOrder"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders/{orderId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One order with its devices (viewer) */
    get: operations["getOrder"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders/{orderId}/approve": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Approve a pending order: it goes processing and is executed (operator)
     * @description Entry orders assign their machines to the pool and settle at once; exit orders unassign available machines and drain ready ones (the order completes once the agent has reset them); maintenance orders drain ready machines for maintenance and take free ones out at once. Approving an order that is no longer pending is a 409 illegal_transition; with expectedVersion, one changed since is a 409 stale_version.
     */
    post: operations["approveOrder"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders/{orderId}/ignore": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ignore a pending order (operator)
     * @description The order is closed without execution; it still counts toward its strategy's cooldown. Only a pending order can be ignored (409 illegal_transition otherwise).
     */
    post: operations["ignoreOrder"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/orders/{orderId}/cancel": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Cancel a pending order (operator)
     * @description The order is withdrawn without execution and does not count toward cooldown. Only a pending order can be cancelled (409 illegal_transition otherwise).
     */
    post: operations["cancelOrder"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/maintenance-requests": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Ask for a machine to be taken out for maintenance (operator)
     * @description Creates a pending maintenance order for a person to approve; on approval the agent cordons and drains the machine. Idempotent by ticketId: the same ticket for the same machine answers 200 with the order made the first time; the same ticket for another machine is a 409. A machine in another open order is a 409 naming it.
     */
    post: operations["createMaintenanceRequest"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/maintenance-requests/{ticketId}/complete": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Report a ticket's maintenance over (operator)
     * @description The maintenance order (in maintenance_in_progress) completes: machines that kept their Node return to service through an uncordon order, the others become available. outcome failed fails the order and leaves the machines in maintenance. Repeating the same report answers the same result; an order not in maintenance yet is a 409 illegal_transition.
     */
    post: operations["completeMaintenanceRequest"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/register": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Trade a one-time registration token for the cluster's agent credential
     * @description Open path: the registration token in the body is the credential. Unknown, used, expired and mismatched tokens all answer the same 401. Rate limited per client address and per cluster.
     */
    post: operations["agentRegister"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/credential/rotate": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Replace the agent credential; the one used for this call is refused from the commit on, by every replica */
    post: operations["agentRotateCredential"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/heartbeat": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Report that the agent is alive, with its versions, node counts and leader */
    post: operations["agentHeartbeat"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/state": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The cluster's pools and machines, with an ETag for conditional polling */
    get: operations["agentGetState"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/allocations": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Reserve machines for a pool's scale-up, idempotent by requestId
     * @description A retry with the same requestId returns the same machines (created: false); the same requestId with another poolId or delta is a 409 conflict. Failures (pool_at_max, not_enough_machines, pool_disabled; details carry the counts) are not remembered, so a later retry may succeed.
     */
    post: operations["agentAllocateMachines"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/transitions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Apply a batch of machine transitions, each on its own
     * @description Every item is a separate guarded transition: results say per item whether it applied (with the machine's new status and version) or why not (stale_version, illegal_transition, not_found for machines outside the caller's cluster). The response is 200 whatever the mix.
     */
    post: operations["agentApplyTransitions"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/host-keys": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Pin the SSH host keys the agent learned on first use, each on its own
     * @description Stores each machine's host key fingerprint only while it has none (pin-on-first-use), so every replica checks the same key. Per item: pinned (ok, pinned: true), the same key already pinned (ok, pinned: false: a retry), another key pinned (conflict, details.pinned names it; never overwritten), not_found for machines outside the caller's cluster. The response is 200 whatever the mix.
     */
    post: operations["agentPinHostKeys"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/machines/{machineId}/ssh-key": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The stored SSH key of a machine allocated to the caller's cluster
     * @description Only while the machine is assigned to the caller's cluster and reserved, joining, ready, draining or leaving, and its sshKeyRef (no ref: "default") names a stored key. Anything else, another cluster's machine, a free one, one that has left, or no such stored key, is the same 404. Every release is audited (ssh_key.released). Keep the key in memory only; answered with Cache-Control: no-store.
     */
    get: operations["agentGetSshKey"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/snapshots": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Push per-pool (and whole-cluster) resource figures */
    post: operations["agentPushSnapshots"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/agent/scaling-refusals": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Report a scale request the agent refused itself (max, min, maintenance), for the pool's status */
    post: operations["agentReportScalingRefusal"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/v1/hooks/maintenance-complete": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * An external system reports a maintenance ticket done (signed hook)
     * @description Open path: authenticated by the `Upstash-Signature` header instead of a bearer token, an HS256 JWT over this URL and the SHA-256 of the exact body, as QStash signs deliveries, made with this install's signing key (QSTASH_CURRENT_SIGNING_KEY, or the generated one). It is checked before the body is read as JSON; a missing or wrong signature answers 401 and changes nothing. Then as POST /v1/maintenance-requests/{ticketId}/complete: a repeat of the same report answers the same.
     */
    post: operations["maintenanceCompleteHook"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    ErrorEnvelope: {
      error: {
        /** @enum {string} */
        code:
          | "bad_request"
          | "validation_failed"
          | "unauthorized"
          | "forbidden"
          | "not_found"
          | "method_not_allowed"
          | "conflict"
          | "illegal_transition"
          | "stale_version"
          | "not_enough_machines"
          | "pool_at_max"
          | "pool_disabled"
          | "payload_too_large"
          | "unsupported_media_type"
          | "import_rejected"
          | "rate_limited"
          | "dependency_unavailable"
          | "internal";
        message: string;
        requestId: string;
        details?: {
          [key: string]: unknown;
        };
      };
    };
    Health: {
      /** @enum {string} */
      status: "ok";
    };
    Readiness: {
      /** @enum {string} */
      status: "ready" | "not_ready";
      checks: {
        database: components["schemas"]["ReadinessCheck"];
        migrations: components["schemas"]["ReadinessCheck"];
        coordination: components["schemas"]["ReadinessCheck"];
      };
    };
    ReadinessCheck: {
      ok: boolean;
      durationMs: number;
      error?: string;
    } & {
      [key: string]: unknown;
    };
    TokenSelf: {
      /** Format: uuid */
      id: string;
      name: string;
      /** @enum {string} */
      role: "admin" | "operator" | "viewer";
      /**
       * Format: uuid
       * @description null: every cluster
       */
      clusterId: string | null;
      /** @description the scoped cluster's name; null when unscoped */
      clusterName: string | null;
      /** @description the token's first characters, to tell tokens apart */
      displayPrefix: string;
      createdAt: string;
      expiresAt: string | null;
      lastUsedAt: string | null;
    };
    CreatedApiToken: {
      apiToken: components["schemas"]["ApiToken"];
      /** @description the bearer token; shown only in this response */
      token: string;
    };
    ApiToken: {
      /** Format: uuid */
      id: string;
      name: string;
      /** @enum {string} */
      role: "admin" | "operator" | "viewer";
      /**
       * Format: uuid
       * @description null: every cluster
       */
      clusterId: string | null;
      /** @description the token's first characters, to tell tokens apart */
      displayPrefix: string;
      expiresAt: string | null;
      revokedAt: string | null;
      lastUsedAt: string | null;
      createdBy: string | null;
      createdAt: string;
    };
    CreateApiTokenRequest: {
      name: string;
      /** @enum {string} */
      role: "admin" | "operator" | "viewer";
      /**
       * @description scope the token to one cluster
       * @example prod-eu-1
       */
      clusterId?: string | null;
      /** @description omitted: the token does not expire */
      expiresInSeconds?: number;
    };
    ApiTokenPage: {
      items: components["schemas"]["ApiToken"][];
      nextCursor: string | null;
    };
    CreatedCluster: {
      cluster: components["schemas"]["Cluster"];
      /** @description shown once; only its hash is stored. null in kubeconfig mode */
      registrationToken: string | null;
      registrationTokenExpiresAt: string | null;
    };
    Cluster: {
      /** Format: uuid */
      id: string;
      name: string;
      description: string;
      labels: {
        [key: string]: string;
      };
      /**
       * @description lifecycle: pending until an agent registers
       * @enum {string}
       */
      status: "pending" | "active" | "offline";
      /**
       * @description derived from the last heartbeat: unknown = never heartbeated
       * @enum {string}
       */
      health: "healthy" | "degraded" | "offline" | "unknown";
      /** @description the pool machines assigned to the cluster, by status (see nodes for Kubernetes') */
      nodeCounts: {
        total: number;
        byStatus: {
          available?: number;
          reserved?: number;
          joining?: number;
          ready?: number;
          draining?: number;
          leaving?: number;
          fault?: number;
          maintenance?: number;
          archived?: number;
        };
      };
      /** @description the pool machines' hardware (see resources for what Kubernetes reports) */
      capacity: {
        /** @description machines in the ready state */
        ready: {
          machines: number;
          cpuCores: number;
          memoryBytes: number;
        };
        /** @description every machine assigned to the cluster */
        assigned: {
          machines: number;
          cpuCores: number;
          memoryBytes: number;
        };
      };
      kubernetesVersion: string | null;
      agentVersion: string | null;
      lastHeartbeatAt: string | null;
      /** @description Kubernetes Nodes (all, not only pool machines) as the agent's last heartbeat counted them; null before one did */
      nodes: {
        total: number;
        ready: number;
        reportedAt: string;
      } | null;
      /** @description the agent replica that leads, from the last heartbeat */
      leader: {
        identity: string;
        since: string;
      } | null;
      /** @description the whole cluster's resources from the agent's latest snapshot (every 5 minutes); null before its first */
      resources: {
        capturedAt: string;
        nodeCount: number;
        capacity: {
          cpuMillis: number;
          memoryBytes: number;
        };
        allocatable: {
          cpuMillis: number;
          memoryBytes: number;
        };
        /** @description requests of the pods bound to Nodes and not finished */
        requested: {
          cpuMillis: number;
          memoryBytes: number;
        };
        /** @description from metrics.k8s.io; zero without metrics-server */
        usage: {
          cpuMillis: number;
          memoryBytes: number;
        };
      } | null;
      registeredAt: string | null;
      access: components["schemas"]["ClusterAccess"];
      kubeconfig: components["schemas"]["KubeconfigMetadata"];
      apiServer: components["schemas"]["ApiServerState"];
      createdAt: string;
      updatedAt: string;
    };
    /** @description how the control plane reaches the cluster (both may hold) */
    ClusterAccess: {
      /** @description an agent registered and holds a credential */
      agent: boolean;
      /** @description a kubeconfig is imported */
      kubeconfig: boolean;
    };
    /** @description what the imported kubeconfig names; the kubeconfig itself is never returned */
    KubeconfigMetadata: {
      /** @description the API server URL the kubeconfig names */
      server: string;
      contextName: string;
      /** @enum {string} */
      authKind: "token" | "client-certificate" | "basic";
      /** @description it carries its own CA certificate */
      hasCertificateAuthority: boolean;
      /** @description 1, then +1 on each replacement */
      version: number;
      updatedAt: string;
    } | null;
    /** @description null without a kubeconfig, and until the first check of it */
    ApiServerState: {
      /** @enum {string} */
      status: "healthy" | "degraded" | "unreachable" | "unauthorized";
      /** @description why the last check was not healthy */
      error: string | null;
      checkedAt: string;
      lastHealthyAt: string | null;
      consecutiveFailures: number;
      latencyMs: number | null;
      /** @description as the API server reported it */
      kubernetesVersion: string | null;
      nodes: {
        total: number;
        ready: number;
      } | null;
      capacity: {
        cpuMillis: number;
        memoryBytes: number;
      } | null;
      allocatable: {
        cpuMillis: number;
        memoryBytes: number;
      } | null;
    } | null;
    CreateClusterRequest: {
      /** @example prod-eu-1 */
      name: string;
      description?: string;
      labels?: {
        [key: string]: string;
      };
      /**
       * @description agent (the default): issue a registration token for the in-cluster agent (a kubeconfig may come along for status checks); kubeconfig: only the imported kubeconfig, no registration token (rotate one later to add an agent)
       * @enum {string}
       */
      mode?: "agent" | "kubeconfig";
      /**
       * Format: password
       * @description A kubeconfig as YAML, or the base64 of it, with one usable context (the current one when there are several) and inline credentials: a token, client-certificate-data with client-key-data, or username with password. exec and auth-provider plugins and file paths are refused; `kubectl config view --raw --flatten --minify` makes a self-contained one. Stored encrypted, never returned.
       */
      kubeconfig?: string;
    };
    ClusterPage: {
      items: components["schemas"]["Cluster"][];
      nextCursor: string | null;
    };
    UpdateClusterRequest: {
      description?: string;
      /** @description replaces the labels as a whole */
      labels?: {
        [key: string]: string;
      };
    };
    RotatedRegistrationToken: {
      /** @description shown once; only its hash is stored */
      registrationToken: string;
      registrationTokenExpiresAt: string;
      /** Format: uuid */
      clusterId: string;
    };
    DeletedCluster: {
      /** Format: uuid */
      clusterId: string;
      name: string;
      deletedAt: string;
      releasedMachines: number;
      faultedMachines: number;
      revokedTokens: number;
    };
    PutClusterKubeconfigRequest: {
      /**
       * Format: password
       * @description A kubeconfig as YAML, or the base64 of it, with one usable context (the current one when there are several) and inline credentials: a token, client-certificate-data with client-key-data, or username with password. exec and auth-provider plugins and file paths are refused; `kubectl config view --raw --flatten --minify` makes a self-contained one. Stored encrypted, never returned.
       */
      kubeconfig: string;
    };
    Pool: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      clusterId: string;
      name: string;
      description: string;
      /** @description null: no matching policy applies */
      poolType: string | null;
      minSize: number;
      maxSize: number;
      autoscalingEnabled: boolean;
      templateLabels: {
        [key: string]: string;
      };
      templateTaints: {
        key: string;
        value?: string;
        /** @enum {string} */
        effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
      }[];
      capacityCpuMillis: number;
      capacityMemoryBytes: number;
      capacityEphemeralStorageBytes: number;
      capacityPods: number;
      allocatableCpuMillis: number;
      allocatableMemoryBytes: number;
      allocatableEphemeralStorageBytes: number;
      allocatablePods: number;
      gpuCount: number;
      gpuType: string | null;
      hardwareRequirements: components["schemas"]["HardwareRequirements"];
      /** @enum {string} */
      scaleUpPolicy: "random" | "least-used" | "most-available";
      /** @enum {string} */
      scaleDownPolicy: "least-used" | "newest-first" | "oldest-first";
      drainSettings: {
        timeoutSeconds: number;
        gracePeriodSeconds: number;
        ignoreDaemonSets: boolean;
        deleteEmptyDirData: boolean;
        /** @description evict pods not managed by a controller */
        force: boolean;
      };
      lifecycleSettings: components["schemas"]["PoolLifecycleSettings"];
      prepareHosts: boolean;
      /** @description The script (operators and admins); for viewers `[redacted: <n> bytes; operators can read it]`. null: none. */
      preJoinHook: string | null;
      /** @description The script (operators and admins); for viewers `[redacted: <n> bytes; operators can read it]`. null: none. */
      postJoinHook: string | null;
      /** @description The script (operators and admins); for viewers `[redacted: <n> bytes; operators can read it]`. null: none. */
      preResetHook: string | null;
      /** @description The script (operators and admins); for viewers `[redacted: <n> bytes; operators can read it]`. null: none. */
      postResetHook: string | null;
      scaleUpCooldownSeconds: number;
      scaleDownCooldownSeconds: number;
      autoscalingOptions: components["schemas"]["PoolAutoscalingOptions"];
      /** @description price of one node per hour; null: unpriced */
      hourlyPrice: number | null;
      createdAt: string;
      updatedAt: string;
    };
    HardwareRequirements: {
      minCpuCores?: number;
      minMemoryBytes?: number;
      minGpuCount?: number;
      gpuType?: string;
      /** @description any of these */
      regions?: string[];
      /** @description any of these */
      zones?: string[];
      /** @description the machine must carry all of these */
      machineLabels?: {
        [key: string]: string;
      };
    };
    /** @description How the agent joins and removes the pool's machines: a phase that runs past its timeout moves the machine to fault; the caps bound how many machines join, or leave, at once. */
    PoolLifecycleSettings: {
      /** @description 10–86400, default 600: how long the preflight and join pipelines may run on a host (SSH, kubeadm join, hooks) before the machine goes to fault. Cluster Autoscaler gives up on a node that has not registered within its max node provision time (15 min unless autoscalingOptions.maxNodeProvisionSeconds says otherwise) */
      joinTimeoutSeconds: number;
      /** @description 10–86400, default 240: from the end of the join until the machine's Node is Ready with its providerID; past it the machine goes to fault */
      registrationTimeoutSeconds: number;
      /** @description 10–86400, default 600: how long the reset pipeline may run on a machine that leaves the cluster before it goes to fault (the drain before it is bounded by drainSettings.timeoutSeconds) */
      resetTimeoutSeconds: number;
      /** @description 1–1000, default 10: how many of the pool's machines the agent joins at once; the others wait their turn */
      maxConcurrentJoins: number;
      /** @description 1–1000, default 5: how many of the pool's machines the agent drains and resets at once; the others wait their turn */
      maxConcurrentRemovals: number;
      /**
       * @description v1beta3, v1beta4 or null (the default): the kubeadm API version of the JoinConfiguration the agent writes; null picks it from the host's `kubeadm version` (v1beta4 from 1.31 on)
       * @enum {string|null}
       */
      kubeadmConfigVersion: "v1beta3" | "v1beta4" | null;
      /** @description 1–86400, default 60: how often the agent probes each free (available) machine over SSH and looks at each ready machine's Node */
      healthProbeIntervalSeconds: number;
      /** @description 1–100, default 3: consecutive failed checks, one interval apart (an SSH probe of a free machine, a NotReady or missing Node of a ready one), that move the machine to fault */
      healthFailureThreshold: number;
      /** @description default false: true probes the pool's fault machines too, and one whose probe passes healthFailureThreshold times in a row (and that has no Node) goes back to available; false leaves that to POST /v1/machines/{id}/restore */
      autoRepair: boolean;
      /**
       * @description cordon or remove, default cordon: a Node whose providerID names a machine that is not a node of this cluster is cordoned, with a Kubernetes Event; remove also resets the host of a free machine of the pool over SSH and deletes the Node
       * @enum {string}
       */
      zombieAction: "cordon" | "remove";
    };
    /** @description null: Cluster Autoscaler uses its defaults for this pool */
    PoolAutoscalingOptions: {
      /** @description 0–1: a node whose requested CPU and memory are below this fraction of its allocatable is a scale-down candidate (CA flag --scale-down-utilization-threshold) */
      scaleDownUtilizationThreshold?: number;
      /** @description 0–1: the same for GPU nodes, by GPU requests (--scale-down-gpu-utilization-threshold) */
      scaleDownGpuUtilizationThreshold?: number;
      /** @description 1–86400: how long a node must be unneeded before CA removes it (--scale-down-unneeded-time) */
      scaleDownUnneededSeconds?: number;
      /** @description 1–86400: the same for an unready node (--scale-down-unready-time) */
      scaleDownUnreadySeconds?: number;
      /** @description 1–86400: how long CA waits for a new node to register before it gives up on it (--max-node-provision-time); a host's join takes minutes, so keep it well above that */
      maxNodeProvisionSeconds?: number;
      /** @description scale the pool only between 0 and its max, all nodes at once (--zero-or-max-node-scaling) */
      zeroOrMaxNodeScaling?: boolean;
      /** @description leave DaemonSet pods out of the utilization above (--ignore-daemonsets-utilization) */
      ignoreDaemonSetsUtilization?: boolean;
    } | null;
    /** @description Omitted allocatable resources default to the capacity given; min ≤ max, allocatable ≤ capacity. */
    CreatePoolRequest: {
      /** @example gpu-a100 */
      name: string;
      description?: string;
      /**
       * @description the pool's type for matching policies; null: none applies
       * @example gpu
       */
      poolType?: string | null;
      minSize?: number;
      maxSize?: number;
      autoscalingEnabled?: boolean;
      /** @description labels of the pool's nodes */
      templateLabels?: {
        [key: string]: string;
      };
      templateTaints?: {
        key: string;
        value?: string;
        /** @enum {string} */
        effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
      }[];
      capacityCpuMillis?: number;
      capacityMemoryBytes?: number;
      capacityEphemeralStorageBytes?: number;
      capacityPods?: number;
      allocatableCpuMillis?: number;
      allocatableMemoryBytes?: number;
      allocatableEphemeralStorageBytes?: number;
      allocatablePods?: number;
      gpuCount?: number;
      gpuType?: string | null;
      hardwareRequirements?: components["schemas"]["HardwareRequirements"] & unknown;
      /** @enum {string} */
      scaleUpPolicy?: "random" | "least-used" | "most-available";
      /** @enum {string} */
      scaleDownPolicy?: "least-used" | "newest-first" | "oldest-first";
      drainSettings?: components["schemas"]["DrainSettingsPatch"];
      lifecycleSettings?: components["schemas"]["PoolLifecycleSettingsPatch"];
      prepareHosts?: boolean;
      preJoinHook?: string | null;
      postJoinHook?: string | null;
      preResetHook?: string | null;
      postResetHook?: string | null;
      scaleUpCooldownSeconds?: number;
      scaleDownCooldownSeconds?: number;
      /** @description Replaced as a whole; null (the default) clears every override, and the agent then answers GetOptions Unimplemented so CA uses its defaults. Leave it null unless you need an override. */
      autoscalingOptions?: {
        /** @description 0–1: a node whose requested CPU and memory are below this fraction of its allocatable is a scale-down candidate (CA flag --scale-down-utilization-threshold) */
        scaleDownUtilizationThreshold?: number;
        /** @description 0–1: the same for GPU nodes, by GPU requests (--scale-down-gpu-utilization-threshold) */
        scaleDownGpuUtilizationThreshold?: number;
        /** @description 1–86400: how long a node must be unneeded before CA removes it (--scale-down-unneeded-time) */
        scaleDownUnneededSeconds?: number;
        /** @description 1–86400: the same for an unready node (--scale-down-unready-time) */
        scaleDownUnreadySeconds?: number;
        /** @description 1–86400: how long CA waits for a new node to register before it gives up on it (--max-node-provision-time); a host's join takes minutes, so keep it well above that */
        maxNodeProvisionSeconds?: number;
        /** @description scale the pool only between 0 and its max, all nodes at once (--zero-or-max-node-scaling) */
        zeroOrMaxNodeScaling?: boolean;
        /** @description leave DaemonSet pods out of the utilization above (--ignore-daemonsets-utilization) */
        ignoreDaemonSetsUtilization?: boolean;
      } | null;
      /** @description Price of one node of this pool per hour (0–1000000, any currency used consistently across pools), for CA's price expander (--expander=price). null (the default): the agent answers pricing Unimplemented. Price every autoscaled pool or none, so the expander compares like with like. */
      hourlyPrice?: number | null;
    };
    /** @description merged key by key over the current settings (defaults: {"timeoutSeconds":600,"gracePeriodSeconds":30,"ignoreDaemonSets":true,"deleteEmptyDirData":true,"force":false}) */
    DrainSettingsPatch: {
      timeoutSeconds?: number;
      gracePeriodSeconds?: number;
      ignoreDaemonSets?: boolean;
      deleteEmptyDirData?: boolean;
      /** @description evict pods not managed by a controller */
      force?: boolean;
    };
    /** @description merged key by key over the current settings (defaults: {"joinTimeoutSeconds":600,"registrationTimeoutSeconds":240,"resetTimeoutSeconds":600,"maxConcurrentJoins":10,"maxConcurrentRemovals":5,"kubeadmConfigVersion":null,"healthProbeIntervalSeconds":60,"healthFailureThreshold":3,"autoRepair":false,"zombieAction":"cordon"}) */
    PoolLifecycleSettingsPatch: {
      /** @description 10–86400, default 600: how long the preflight and join pipelines may run on a host (SSH, kubeadm join, hooks) before the machine goes to fault. Cluster Autoscaler gives up on a node that has not registered within its max node provision time (15 min unless autoscalingOptions.maxNodeProvisionSeconds says otherwise) */
      joinTimeoutSeconds?: number;
      /** @description 10–86400, default 240: from the end of the join until the machine's Node is Ready with its providerID; past it the machine goes to fault */
      registrationTimeoutSeconds?: number;
      /** @description 10–86400, default 600: how long the reset pipeline may run on a machine that leaves the cluster before it goes to fault (the drain before it is bounded by drainSettings.timeoutSeconds) */
      resetTimeoutSeconds?: number;
      /** @description 1–1000, default 10: how many of the pool's machines the agent joins at once; the others wait their turn */
      maxConcurrentJoins?: number;
      /** @description 1–1000, default 5: how many of the pool's machines the agent drains and resets at once; the others wait their turn */
      maxConcurrentRemovals?: number;
      /**
       * @description v1beta3, v1beta4 or null (the default): the kubeadm API version of the JoinConfiguration the agent writes; null picks it from the host's `kubeadm version` (v1beta4 from 1.31 on)
       * @enum {string|null}
       */
      kubeadmConfigVersion?: "v1beta3" | "v1beta4" | null;
      /** @description 1–86400, default 60: how often the agent probes each free (available) machine over SSH and looks at each ready machine's Node */
      healthProbeIntervalSeconds?: number;
      /** @description 1–100, default 3: consecutive failed checks, one interval apart (an SSH probe of a free machine, a NotReady or missing Node of a ready one), that move the machine to fault */
      healthFailureThreshold?: number;
      /** @description default false: true probes the pool's fault machines too, and one whose probe passes healthFailureThreshold times in a row (and that has no Node) goes back to available; false leaves that to POST /v1/machines/{id}/restore */
      autoRepair?: boolean;
      /**
       * @description cordon or remove, default cordon: a Node whose providerID names a machine that is not a node of this cluster is cordoned, with a Kubernetes Event; remove also resets the host of a free machine of the pool over SSH and deletes the Node
       * @enum {string}
       */
      zombieAction?: "cordon" | "remove";
    };
    PoolPage: {
      items: components["schemas"]["Pool"][];
      nextCursor: string | null;
    };
    PoolStatus: {
      /** Format: uuid */
      clusterId: string;
      /** Format: uuid */
      poolId: string;
      name: string;
      minSize: number;
      maxSize: number;
      autoscalingEnabled: boolean;
      /** @description every state, zeros included */
      counts: {
        available?: number;
        reserved?: number;
        joining?: number;
        ready?: number;
        draining?: number;
        leaving?: number;
        fault?: number;
        maintenance?: number;
        archived?: number;
      };
      total: number;
      /** @description reserved + joining + ready */
      target: number;
      /** @description reserved, joining, ready, draining and leaving */
      inUse: number;
      /** @description the 20 most recent events of the pool, newest first */
      events: {
        /** Format: uuid */
        id: string;
        kind: string;
        status: string;
        /** Format: uuid */
        machineId: string | null;
        metadata: {
          [key: string]: unknown;
        };
        createdAt: string;
      }[];
      scaling: components["schemas"]["PoolScaling"];
    };
    /** @description why the pool did or did not scale lately */
    PoolScaling: {
      /** @description null: never asked to scale up */
      lastScaleUp: components["schemas"]["ScalingDecision"] | null;
      /** @description null: Cluster Autoscaler never scaled the pool down */
      lastScaleDown: components["schemas"]["ScalingDecision"] | null;
      /** @description at most 50, newest first */
      blockers: components["schemas"]["ScalingBlocker"][];
    };
    /**
     * @example {
     *       "at": "2026-12-07T08:10:00.000Z",
     *       "direction": "up",
     *       "requested": 3,
     *       "granted": 0,
     *       "outcome": "refused",
     *       "reasons": [
     *         {
     *           "code": "requirements_unmet",
     *           "message": "requirement machineLabels gpu=a100 rules out 7 of 9 free machines",
     *           "count": 7,
     *           "requirement": "machineLabels gpu=a100"
     *         },
     *         {
     *           "code": "not_enough_machines",
     *           "message": "needs 3 machines, 2 available fit the pool (0 of its own, 2 free)",
     *           "count": 2
     *         }
     *       ],
     *       "firstAt": "2026-12-07T08:00:00.000Z",
     *       "repeats": 61
     *     }
     */
    ScalingDecision: {
      /** @description when it was last taken (ISO 8601) */
      at: string;
      /** @enum {string} */
      direction: "up" | "down";
      requested: number;
      granted: number;
      /** @enum {string} */
      outcome: "granted" | "partial" | "refused";
      /** @description most telling first; empty for a plain grant */
      reasons: components["schemas"]["ScalingReason"][];
      /** @description when it was first taken: an identical refusal repeated in a row is one decision */
      firstAt: string;
      /** @description times taken in a row (Cluster Autoscaler retries) */
      repeats: number;
    };
    ScalingReason: {
      /**
       * @description stable: max_size_reached (the pool's max caps it), no_free_machine (nothing available at all), requirements_unmet (one requirement, named in `requirement`, ruled out free machines; the one ruling out the most comes first), cluster_scope (SSH identities scoped to another cluster), machines_busy (fitting machines held by another request), not_enough_machines (the summary), autoscaling_disabled; scale-down: nodes_deleted, target_decreased
       * @enum {string}
       */
      code:
        | "max_size_reached"
        | "no_free_machine"
        | "requirements_unmet"
        | "cluster_scope"
        | "machines_busy"
        | "not_enough_machines"
        | "autoscaling_disabled"
        | "min_size_reached"
        | "node_in_maintenance"
        | "nodes_deleted"
        | "target_decreased";
      message: string;
      /** @description machines the reason concerns */
      count?: number;
      /** @description requirements_unmet only: e.g. minCpuCores, machineLabels gpu=a100 */
      requirement?: string;
    };
    ScalingBlocker: {
      /** Format: uuid */
      machineId: string;
      /** @description the machine's hostname */
      machineName: string;
      /**
       * @description fault: the machine is in fault; backoff: reserved or joining past the pool's join and registration timeouts (the agent keeps putting it off, or is not running); join_failed: a join ended without a node in the last 24 hours
       * @enum {string}
       */
      kind: "fault" | "backoff" | "join_failed";
      reason: string;
      /** @description ISO 8601 */
      since: string;
    };
    PoolHistory: {
      /** Format: uuid */
      clusterId: string;
      /** Format: uuid */
      poolId: string;
      /** @description the window's start as applied, inclusive */
      since: string;
      /** @description the window's end as applied, exclusive */
      until: string;
      /**
       * @description the bucket size: the smallest of 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400 seconds that keeps each series within 300 points
       * @example 300
       */
      bucketSeconds: number;
      /** @description machines by state over time, oldest first; buckets without a sample are left out */
      samples: {
        /**
         * @description start of the bucket (UTC, aligned to a multiple of bucketSeconds since the Unix epoch)
         * @example 2026-01-31T11:55:00.000Z
         */
        at: string;
        /** @description the pool's machines per state at the bucket's last sample; every state */
        counts: {
          available?: number;
          reserved?: number;
          joining?: number;
          ready?: number;
          draining?: number;
          leaving?: number;
          fault?: number;
          maintenance?: number;
          archived?: number;
        };
      }[];
      /** @description requested / allocatable from the agent's resource snapshots, oldest first; buckets without a snapshot are left out */
      utilisation: {
        /**
         * @description start of the bucket (UTC, aligned to a multiple of bucketSeconds since the Unix epoch)
         * @example 2026-01-31T11:55:00.000Z
         */
        at: string;
        /**
         * @description requested / allocatable over the bucket's snapshots; null when nothing was allocatable
         * @example 0.62
         */
        cpu: number | null;
        /**
         * @description requested / allocatable over the bucket's snapshots; null when nothing was allocatable
         * @example 0.62
         */
        memory: number | null;
      }[];
    };
    /** @description Any field; the merged pool must keep min ≤ max and allocatable ≤ capacity. */
    UpdatePoolRequest: {
      /** @example gpu-a100 */
      name?: string;
      description?: string;
      /**
       * @description the pool's type for matching policies; null: none applies
       * @example gpu
       */
      poolType?: string | null;
      minSize?: number;
      maxSize?: number;
      autoscalingEnabled?: boolean;
      /** @description labels of the pool's nodes */
      templateLabels?: {
        [key: string]: string;
      };
      templateTaints?: {
        key: string;
        value?: string;
        /** @enum {string} */
        effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
      }[];
      capacityCpuMillis?: number;
      capacityMemoryBytes?: number;
      capacityEphemeralStorageBytes?: number;
      capacityPods?: number;
      allocatableCpuMillis?: number;
      allocatableMemoryBytes?: number;
      allocatableEphemeralStorageBytes?: number;
      allocatablePods?: number;
      gpuCount?: number;
      gpuType?: string | null;
      hardwareRequirements?: components["schemas"]["HardwareRequirements"] & unknown;
      /** @enum {string} */
      scaleUpPolicy?: "random" | "least-used" | "most-available";
      /** @enum {string} */
      scaleDownPolicy?: "least-used" | "newest-first" | "oldest-first";
      drainSettings?: components["schemas"]["DrainSettingsPatch"];
      lifecycleSettings?: components["schemas"]["PoolLifecycleSettingsPatch"];
      prepareHosts?: boolean;
      preJoinHook?: string | null;
      postJoinHook?: string | null;
      preResetHook?: string | null;
      postResetHook?: string | null;
      scaleUpCooldownSeconds?: number;
      scaleDownCooldownSeconds?: number;
      /** @description Replaced as a whole; null (the default) clears every override, and the agent then answers GetOptions Unimplemented so CA uses its defaults. Leave it null unless you need an override. */
      autoscalingOptions?: {
        /** @description 0–1: a node whose requested CPU and memory are below this fraction of its allocatable is a scale-down candidate (CA flag --scale-down-utilization-threshold) */
        scaleDownUtilizationThreshold?: number;
        /** @description 0–1: the same for GPU nodes, by GPU requests (--scale-down-gpu-utilization-threshold) */
        scaleDownGpuUtilizationThreshold?: number;
        /** @description 1–86400: how long a node must be unneeded before CA removes it (--scale-down-unneeded-time) */
        scaleDownUnneededSeconds?: number;
        /** @description 1–86400: the same for an unready node (--scale-down-unready-time) */
        scaleDownUnreadySeconds?: number;
        /** @description 1–86400: how long CA waits for a new node to register before it gives up on it (--max-node-provision-time); a host's join takes minutes, so keep it well above that */
        maxNodeProvisionSeconds?: number;
        /** @description scale the pool only between 0 and its max, all nodes at once (--zero-or-max-node-scaling) */
        zeroOrMaxNodeScaling?: boolean;
        /** @description leave DaemonSet pods out of the utilization above (--ignore-daemonsets-utilization) */
        ignoreDaemonSetsUtilization?: boolean;
      } | null;
      /** @description Price of one node of this pool per hour (0–1000000, any currency used consistently across pools), for CA's price expander (--expander=price). null (the default): the agent answers pricing Unimplemented. Price every autoscaled pool or none, so the expander compares like with like. */
      hourlyPrice?: number | null;
    };
    DeletedPool: {
      /** Format: uuid */
      clusterId: string;
      /** Format: uuid */
      poolId: string;
      name: string;
      deletedAt: string;
      detachedArchivedMachines: number;
    };
    Machine: {
      /** Format: uuid */
      id: string;
      hostname: string;
      ip: string;
      sshUser: string;
      sshPort: number;
      sshKeyRef: string | null;
      hostKeyFingerprint: string | null;
      /**
       * Format: uuid
       * @description null: in the free inventory
       */
      clusterId: string | null;
      /** Format: uuid */
      poolId: string | null;
      /** @enum {string} */
      status:
        | "available"
        | "reserved"
        | "joining"
        | "ready"
        | "draining"
        | "leaving"
        | "fault"
        | "maintenance"
        | "archived";
      statusReason: string | null;
      statusChangedAt: string;
      cpuCores: number;
      memoryBytes: number;
      gpuCount: number;
      gpuType: string | null;
      region: string | null;
      zone: string | null;
      rack: string | null;
      osImage: string | null;
      kernelVersion: string | null;
      kubeletVersion: string | null;
      containerRuntimeVersion: string | null;
      labels: {
        [key: string]: string;
      };
      taints: {
        key: string;
        value?: string;
        /** @enum {string} */
        effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
      }[];
      tags: string[];
      nodeName: string | null;
      providerId: string | null;
      consecutiveFailures: number;
      lastHeartbeatAt: string | null;
      lastAction: string | null;
      lastError: string | null;
      /** @description bumped by every change; pass as expectedVersion */
      version: number;
      /** @description who created or imported the machine ("token:<id>"); null for machines older than this record */
      createdBy: string | null;
      /**
       * Format: uuid
       * @description the cluster it was imported into, or last left by unassign or archive
       */
      originClusterId: string | null;
      identity: components["schemas"]["MachineIdentity"];
      createdAt: string;
      updatedAt: string;
    };
    MachineIdentity: {
      /** @description who last set its address, host name or SSH settings */
      setBy: string | null;
      /**
       * Format: uuid
       * @description set when that was a cluster-scoped token: only this cluster's pools may be given the machine until an unscoped operator confirms it (POST /v1/machines/{machineId}/confirm-identity)
       */
      scopeClusterId: string | null;
      confirmedBy: string | null;
      confirmedAt: string | null;
    };
    MachineInput: {
      /**
       * @description an RFC 1123 host name; stored lower-cased
       * @example node-17.rack-4.example.net
       */
      hostname: string;
      /**
       * @description IPv4 or IPv6; an IPv4-mapped IPv6 address (::ffff:a.b.c.d) is stored as the IPv4 address
       * @example 10.0.4.17
       */
      ip: string;
      /** @example ksp */
      sshUser?: string;
      sshPort?: number;
      /** @example ksp-ssh/id_ed25519 */
      sshKeyRef?: string | null;
      /** @example SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s */
      hostKeyFingerprint?: string | null;
      cpuCores?: number;
      memoryBytes?: number;
      gpuCount?: number;
      gpuType?: string | null;
      region?: string | null;
      zone?: string | null;
      rack?: string | null;
      osImage?: string | null;
      kernelVersion?: string | null;
      kubeletVersion?: string | null;
      containerRuntimeVersion?: string | null;
      labels?: {
        [key: string]: string;
      };
      taints?: {
        key: string;
        value?: string;
        /** @enum {string} */
        effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
      }[];
      tags?: string[];
    };
    MachinePage: {
      items: components["schemas"]["Machine"][];
      nextCursor: string | null;
    };
    MachineSummary: {
      /** @description the sum of byStatus */
      total: number;
      byStatus: components["schemas"]["MachineStatusCounts"];
      /** @description the free inventory (machines in no cluster, archived ones among them); all zeros for a cluster-scoped token, which never sees it */
      free: {
        /** @description the sum of byStatus */
        total: number;
        byStatus: components["schemas"]["MachineStatusCounts"];
      };
      /** @description every cluster the token sees, by name, including those without machines */
      clusters: {
        /** Format: uuid */
        clusterId: string;
        clusterName: string;
        /** @description the sum of byStatus */
        total: number;
        byStatus: components["schemas"]["MachineStatusCounts"];
      }[];
    };
    /**
     * @description machines per status; every status is present, zeros included
     * @example {
     *       "available": 3,
     *       "reserved": 0,
     *       "joining": 0,
     *       "ready": 12,
     *       "draining": 0,
     *       "leaving": 0,
     *       "fault": 0,
     *       "maintenance": 0,
     *       "archived": 0
     *     }
     */
    MachineStatusCounts: {
      available: number;
      reserved: number;
      joining: number;
      ready: number;
      draining: number;
      leaving: number;
      fault: number;
      maintenance: number;
      archived: number;
    };
    MachineUpdate: {
      labels?: {
        [key: string]: string;
      };
      tags?: string[];
      /** @example ksp */
      sshUser?: string;
      sshPort?: number;
      /** @example ksp-ssh/id_ed25519 */
      sshKeyRef?: string | null;
      /** @example SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s */
      hostKeyFingerprint?: string | null;
      region?: string | null;
      zone?: string | null;
      rack?: string | null;
      /** @description refuse with 409 stale_version unless the machine is still at this version */
      expectedVersion?: number;
    };
    MachineAssignment: {
      /**
       * @description The cluster's id or name
       * @example prod-eu-1
       */
      clusterId: string;
      /**
       * @description The pool's id, its name within the cluster the request names, or "cluster/pool"
       * @example prod-eu-1/gpu-a100
       */
      poolId: string;
      /** @description refuse with 409 stale_version unless the machine is still at this version */
      expectedVersion?: number;
    };
    MachineVersionGuard: {
      /** @description refuse with 409 stale_version unless the machine is still at this version */
      expectedVersion?: number;
    };
    MachineStatusReason: {
      reason: string;
      /** @description refuse with 409 stale_version unless the machine is still at this version */
      expectedVersion?: number;
    };
    MachineStatusOptionalReason: {
      reason?: string;
      /** @description refuse with 409 stale_version unless the machine is still at this version */
      expectedVersion?: number;
    };
    MachineImportReport: {
      dryRun: boolean;
      /** @enum {string} */
      mode: "all-or-nothing" | "best-effort";
      overwrite: boolean;
      /** @description whether anything was written */
      applied: boolean;
      operationId: string | null;
      summary: {
        total: number;
        created: number;
        updated: number;
        unchanged: number;
        error: number;
        skipped: number;
      };
      results: components["schemas"]["MachineImportRow"][];
    };
    MachineImportRow: {
      /** @description JSON/YAML: position in the list from 1; CSV: the line the row starts on (header = line 1) */
      row: number;
      /** @enum {string} */
      status: "created" | "updated" | "unchanged" | "error" | "skipped";
      ip: string | null;
      hostname: string | null;
      machineId: string | null;
      errors?: {
        /** @description dotted input field; "" for the row as a whole */
        field: string;
        message: string;
      }[];
    };
    /** @description an all-or-nothing import with rows in error: nothing was written; `report` has every row */
    MachineImportRejected: {
      error: {
        /** @enum {string} */
        code:
          | "bad_request"
          | "validation_failed"
          | "unauthorized"
          | "forbidden"
          | "not_found"
          | "method_not_allowed"
          | "conflict"
          | "illegal_transition"
          | "stale_version"
          | "not_enough_machines"
          | "pool_at_max"
          | "pool_disabled"
          | "payload_too_large"
          | "unsupported_media_type"
          | "import_rejected"
          | "rate_limited"
          | "dependency_unavailable"
          | "internal";
        message: string;
        requestId: string;
        details?: {
          [key: string]: unknown;
        };
      };
      report: components["schemas"]["MachineImportReport"];
    };
    /** @description a list of machines, bare or under `machines` */
    MachineImportJson:
      | unknown[]
      | {
          machines: unknown[];
        };
    QueryTemplate: {
      /** Format: uuid */
      id: string;
      name: string;
      description: string | null;
      /**
       * @description and: every member must match; or: at least one
       * @example and
       * @enum {string}
       */
      logic: "and" | "or";
      groups: components["schemas"]["QueryGroup"][];
      /** @description bumped by every change; pass as expectedVersion */
      version: number;
      createdAt: string;
      updatedAt: string;
    };
    QueryGroup: {
      /**
       * @description and: every member must match; or: at least one
       * @example and
       * @enum {string}
       */
      logic: "and" | "or";
      blocks: components["schemas"]["QueryBlock"][];
    };
    QueryBlock: {
      /**
       * @description device: key is a machine field; nodeLabel: key is a label key, matched against the machine's labels; taint: key is a taint key (value optional), matched against the machine's taints
       * @enum {string}
       */
      type: "device" | "nodeLabel" | "taint";
      /**
       * @description for type device, one of cpuCores, memoryBytes, gpuCount, gpuType, region, zone, rack, hostname, ip, osImage, kernelVersion, kubeletVersion, status, tags; otherwise a label or taint key
       * @example gpuType
       */
      key: string;
      /**
       * @description in and notin take an array; gt, gte, lt and lte a number; exists and notexists no value; contains is a substring (for tags, membership). A block on a missing field or label is false, except ne, notin and notexists, which are true
       * @enum {string}
       */
      operator:
        | "eq"
        | "ne"
        | "in"
        | "notin"
        | "gt"
        | "gte"
        | "lt"
        | "lte"
        | "exists"
        | "notexists"
        | "contains";
      /**
       * @description a number, a string, or an array of them (in, notin)
       * @example A100
       */
      value?: number | string | (number | string)[];
    };
    /**
     * @example {
     *       "name": "a100-big-memory",
     *       "description": "A100 machines with at least 256 GiB",
     *       "logic": "and",
     *       "groups": [
     *         {
     *           "logic": "and",
     *           "blocks": [
     *             {
     *               "type": "device",
     *               "key": "gpuType",
     *               "operator": "eq",
     *               "value": "A100"
     *             },
     *             {
     *               "type": "device",
     *               "key": "memoryBytes",
     *               "operator": "gte",
     *               "value": 274877906944
     *             }
     *           ]
     *         },
     *         {
     *           "logic": "or",
     *           "blocks": [
     *             {
     *               "type": "nodeLabel",
     *               "key": "topology.kubernetes.io/zone",
     *               "operator": "in",
     *               "value": [
     *                 "a",
     *                 "b"
     *               ]
     *             },
     *             {
     *               "type": "taint",
     *               "key": "dedicated",
     *               "operator": "notexists"
     *             }
     *           ]
     *         }
     *       ]
     *     }
     */
    CreateQueryTemplateRequest: {
      /**
       * @description unique across the fleet
       * @example a100-big-memory
       */
      name: string;
      /**
       * @description free text; null clears it
       * @example A100 machines with at least 256 GiB
       */
      description?: string | null;
      /**
       * @description and: every member must match; or: at least one
       * @example and
       * @enum {string}
       */
      logic: "and" | "or";
      groups: components["schemas"]["QueryGroup"][];
    };
    QueryTemplatePage: {
      items: components["schemas"]["QueryTemplate"][];
      nextCursor: string | null;
    };
    /**
     * @description Any field; groups are replaced whole.
     * @example {
     *       "description": "A100 machines, 256 GiB and up",
     *       "expectedVersion": 1
     *     }
     */
    UpdateQueryTemplateRequest: {
      /**
       * @description unique across the fleet
       * @example a100-big-memory
       */
      name?: string;
      /**
       * @description free text; null clears it
       * @example A100 machines with at least 256 GiB
       */
      description?: string | null;
      /**
       * @description and: every member must match; or: at least one
       * @example and
       * @enum {string}
       */
      logic?: "and" | "or";
      groups?: components["schemas"]["QueryGroup"][];
      /** @description refuse with 409 stale_version unless the template is still at this version */
      expectedVersion?: number;
    };
    DeviceQueryResult: {
      items: components["schemas"]["Machine"][];
      nextCursor: string | null;
      /** @description how many machines match in all, over every page */
      total: number;
    };
    /**
     * @description template (inline) or templateId (stored): exactly one. The other fields are optional; clusterId and poolId take names too.
     * @example {
     *       "template": {
     *         "logic": "and",
     *         "groups": [
     *           {
     *             "logic": "and",
     *             "blocks": [
     *               {
     *                 "type": "device",
     *                 "key": "gpuCount",
     *                 "operator": "gte",
     *                 "value": 4
     *               },
     *               {
     *                 "type": "nodeLabel",
     *                 "key": "topology.kubernetes.io/zone",
     *                 "operator": "in",
     *                 "value": [
     *                   "a",
     *                   "b"
     *                 ]
     *               }
     *             ]
     *           }
     *         ]
     *       },
     *       "extra": [
     *         {
     *           "logic": "or",
     *           "blocks": [
     *             {
     *               "type": "device",
     *               "key": "status",
     *               "operator": "eq",
     *               "value": "available"
     *             }
     *           ]
     *         }
     *       ],
     *       "unassigned": true,
     *       "limit": 50
     *     }
     */
    DeviceQueryRequest: {
      /**
       * Format: uuid
       * @description a stored template (GET /v1/query-templates); give this or template, not both
       * @example 0b6f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a
       */
      templateId?: string;
      template?: components["schemas"]["QueryTemplateBody"];
      /** @description more groups every matching machine must also match (ANDed with the template) */
      extra?: components["schemas"]["QueryGroup"][];
      /**
       * @description only machines of this cluster
       * @example prod-eu-1
       */
      clusterId?: string;
      /**
       * @description only machines of this pool
       * @example prod-eu-1/gpu-a100
       */
      poolId?: string;
      /** @description true: only the free inventory; false: only machines assigned to a cluster */
      unassigned?: boolean;
      /** @description page size, 1 to 500; 50 when omitted */
      limit?: number;
      /** @description nextCursor of the previous page */
      cursor?: string;
    };
    /**
     * @example {
     *       "logic": "and",
     *       "groups": [
     *         {
     *           "logic": "and",
     *           "blocks": [
     *             {
     *               "type": "device",
     *               "key": "gpuType",
     *               "operator": "eq",
     *               "value": "A100"
     *             },
     *             {
     *               "type": "device",
     *               "key": "memoryBytes",
     *               "operator": "gte",
     *               "value": 274877906944
     *             }
     *           ]
     *         },
     *         {
     *           "logic": "or",
     *           "blocks": [
     *             {
     *               "type": "nodeLabel",
     *               "key": "topology.kubernetes.io/zone",
     *               "operator": "in",
     *               "value": [
     *                 "a",
     *                 "b"
     *               ]
     *             },
     *             {
     *               "type": "taint",
     *               "key": "dedicated",
     *               "operator": "notexists"
     *             }
     *           ]
     *         }
     *       ]
     *     }
     */
    QueryTemplateBody: {
      /**
       * @description and: every member must match; or: at least one
       * @example and
       * @enum {string}
       */
      logic: "and" | "or";
      groups: components["schemas"]["QueryGroup"][];
    };
    MatchingPolicy: {
      /** Format: uuid */
      id: string;
      poolType: string;
      /**
       * @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back
       * @example pool_entry
       * @enum {string}
       */
      action: "pool_entry" | "pool_exit";
      /** Format: uuid */
      templateId: string;
      enabled: boolean;
      /** @description bumped by every change; pass as expectedVersion */
      version: number;
      createdBy: string | null;
      createdAt: string;
      updatedAt: string;
    };
    /**
     * @example {
     *       "poolType": "gpu",
     *       "action": "pool_entry",
     *       "templateId": "0b6f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a",
     *       "enabled": true
     *     }
     */
    CreateMatchingPolicyRequest: {
      /**
       * @description pools whose poolType is this
       * @example gpu
       */
      poolType: string;
      /**
       * @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back
       * @example pool_entry
       * @enum {string}
       */
      action: "pool_entry" | "pool_exit";
      /**
       * Format: uuid
       * @description the query template that picks the machines
       */
      templateId: string;
      /** @description default true */
      enabled?: boolean;
    };
    MatchingPolicyPage: {
      items: components["schemas"]["MatchingPolicy"][];
      nextCursor: string | null;
    };
    /**
     * @example {
     *       "enabled": false,
     *       "expectedVersion": 0
     *     }
     */
    UpdateMatchingPolicyRequest: {
      /** @example gpu */
      poolType?: string;
      /**
       * @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back
       * @example pool_entry
       * @enum {string}
       */
      action?: "pool_entry" | "pool_exit";
      /** Format: uuid */
      templateId?: string;
      enabled?: boolean;
      /** @description refuse with 409 stale_version unless the resource is still at this version */
      expectedVersion?: number;
    };
    Strategy: {
      /** Format: uuid */
      id: string;
      name: string;
      description: string | null;
      /**
       * @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back
       * @example pool_entry
       * @enum {string}
       */
      action: "pool_entry" | "pool_exit";
      cpu: components["schemas"]["StrategyMetricView"];
      memory: components["schemas"]["StrategyMetricView"];
      /**
       * @description and: every member must match; or: at least one
       * @example and
       * @enum {string}
       */
      conditionLogic: "and" | "or";
      durationDays: number;
      cooldownDays: number;
      maxDevices: number;
      /** @description for a cluster-scoped token, only its own cluster and pools */
      scope: {
        clusterIds: string[];
        poolIds: string[];
      };
      /** Format: uuid */
      entryTemplateId: string | null;
      /** Format: uuid */
      exitTemplateId: string | null;
      extraConditions: components["schemas"]["QueryGroup"][];
      /**
       * @example enabled
       * @enum {string}
       */
      status: "enabled" | "disabled";
      /** @description bumped by every change; pass as expectedVersion */
      version: number;
      createdBy: string | null;
      createdAt: string;
      updatedAt: string;
    };
    StrategyMetricView: {
      threshold: number;
      /** @enum {string} */
      type: "usage" | "allocated";
      target: number;
    } | null;
    /**
     * @example {
     *       "name": "gpu-hot-week",
     *       "description": "Grow GPU pools that ran hot all week",
     *       "action": "pool_entry",
     *       "cpu": {
     *         "threshold": 80,
     *         "type": "usage",
     *         "target": 60
     *       },
     *       "memory": null,
     *       "conditionLogic": "or",
     *       "durationDays": 7,
     *       "cooldownDays": 3,
     *       "maxDevices": 4,
     *       "scope": {
     *         "clusterIds": [
     *           "9a4f3c1e-6a43-4f7e-9d2a-5f0c8f1d2e3a"
     *         ],
     *         "poolIds": []
     *       }
     *     }
     */
    CreateStrategyRequest: {
      /**
       * @description unique across the fleet
       * @example gpu-hot-week
       */
      name: string;
      /**
       * @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back
       * @example pool_entry
       * @enum {string}
       */
      action: "pool_entry" | "pool_exit";
      /**
       * @description consecutive days of daily snapshots past the threshold before it acts
       * @example 7
       */
      durationDays: number;
      /**
       * @description at most this many machines an order
       * @example 4
       */
      maxDevices: number;
      /**
       * @description default enabled
       * @example enabled
       * @enum {string}
       */
      status?: "enabled" | "disabled";
      /**
       * @description free text; null clears it
       * @example Grow GPU pools that ran hot all week
       */
      description?: string | null;
      /** @description null: CPU is not considered */
      cpu?: {
        /**
         * @description percent; a day past it (above for pool_entry, below for pool_exit) counts
         * @example 80
         */
        threshold: number;
        /**
         * @description usage: what pods use; allocated: what pods request (default usage)
         * @enum {string}
         */
        type?: "usage" | "allocated";
        /**
         * @description percent the order brings utilisation to: below threshold for pool_entry, above for pool_exit
         * @example 60
         */
        target: number;
      } | null;
      /** @description null: memory is not considered */
      memory?: {
        /**
         * @description percent; a day past it (above for pool_entry, below for pool_exit) counts
         * @example 80
         */
        threshold: number;
        /**
         * @description usage: what pods use; allocated: what pods request (default usage)
         * @enum {string}
         */
        type?: "usage" | "allocated";
        /**
         * @description percent the order brings utilisation to: below threshold for pool_entry, above for pool_exit
         * @example 60
         */
        target: number;
      } | null;
      /**
       * @description and: every metric given must be past its threshold; or: one is enough (default or)
       * @example and
       * @enum {string}
       */
      conditionLogic?: "and" | "or";
      /** @description days after an order for the pool (ignored ones too) before the next (default 0) */
      cooldownDays?: number;
      scope?: components["schemas"]["StrategyScopeInput"];
      /**
       * Format: uuid
       * @description the query template for entry candidates; null: the pool type's matching policy decides
       */
      entryTemplateId?: string | null;
      /**
       * Format: uuid
       * @description the query template for exit candidates; null: the pool type's matching policy decides
       */
      exitTemplateId?: string | null;
      /** @description ANDed with the template */
      extraConditions?: components["schemas"]["QueryGroup"][];
    };
    /** @description replaced whole; an omitted list is empty */
    StrategyScopeInput: {
      /** @description empty: every cluster */
      clusterIds?: string[];
      /** @description empty: every pool of the clusters in scope; a pool must lie in one of them */
      poolIds?: string[];
    };
    StrategyPage: {
      items: components["schemas"]["Strategy"][];
      nextCursor: string | null;
    };
    /**
     * @description Any field but status (POST …/enable and …/disable); a metric, the scope and extraConditions are replaced whole. The merged strategy is checked as on create.
     * @example {
     *       "maxDevices": 8,
     *       "expectedVersion": 0
     *     }
     */
    UpdateStrategyRequest: {
      /**
       * @description unique across the fleet
       * @example gpu-hot-week
       */
      name?: string;
      /**
       * @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back
       * @example pool_entry
       * @enum {string}
       */
      action?: "pool_entry" | "pool_exit";
      /**
       * @description consecutive days of daily snapshots past the threshold before it acts
       * @example 7
       */
      durationDays?: number;
      /**
       * @description at most this many machines an order
       * @example 4
       */
      maxDevices?: number;
      /**
       * @description free text; null clears it
       * @example Grow GPU pools that ran hot all week
       */
      description?: string | null;
      /** @description null: CPU is not considered */
      cpu?: {
        /**
         * @description percent; a day past it (above for pool_entry, below for pool_exit) counts
         * @example 80
         */
        threshold: number;
        /**
         * @description usage: what pods use; allocated: what pods request (default usage)
         * @enum {string}
         */
        type?: "usage" | "allocated";
        /**
         * @description percent the order brings utilisation to: below threshold for pool_entry, above for pool_exit
         * @example 60
         */
        target: number;
      } | null;
      /** @description null: memory is not considered */
      memory?: {
        /**
         * @description percent; a day past it (above for pool_entry, below for pool_exit) counts
         * @example 80
         */
        threshold: number;
        /**
         * @description usage: what pods use; allocated: what pods request (default usage)
         * @enum {string}
         */
        type?: "usage" | "allocated";
        /**
         * @description percent the order brings utilisation to: below threshold for pool_entry, above for pool_exit
         * @example 60
         */
        target: number;
      } | null;
      /**
       * @description and: every metric given must be past its threshold; or: one is enough (default or)
       * @example and
       * @enum {string}
       */
      conditionLogic?: "and" | "or";
      /** @description days after an order for the pool (ignored ones too) before the next (default 0) */
      cooldownDays?: number;
      scope?: components["schemas"]["StrategyScopeInput"];
      /**
       * Format: uuid
       * @description the query template for entry candidates; null: the pool type's matching policy decides
       */
      entryTemplateId?: string | null;
      /**
       * Format: uuid
       * @description the query template for exit candidates; null: the pool type's matching policy decides
       */
      exitTemplateId?: string | null;
      /** @description ANDed with the template */
      extraConditions?: components["schemas"]["QueryGroup"][];
      /** @description refuse with 409 stale_version unless the strategy is still at this version */
      expectedVersion?: number;
    };
    StrategyStatusChangeRequest: {
      /** @description refuse with 409 stale_version unless the strategy is still at this version */
      expectedVersion?: number;
    };
    StrategyEvaluationPage: {
      items: components["schemas"]["StrategyEvaluation"][];
      nextCursor: string | null;
    };
    StrategyEvaluation: {
      /** Format: uuid */
      id: string;
      /** Format: uuid */
      strategyId: string;
      /** Format: uuid */
      clusterId: string;
      /** Format: uuid */
      poolId: string;
      /**
       * @description the scheduled run: its UTC day
       * @example 2026-12-07
       */
      runKey: string;
      /** @enum {string} */
      result: "order_created" | "below_threshold" | "cooldown" | "no_stock" | "error";
      /** @description what the evaluation saw: utilisation per day, the run length, candidates, the device count */
      observed: {
        [key: string]: unknown;
      };
      reason: string;
      /** Format: uuid */
      orderId: string | null;
      createdAt: string;
    };
    DutyShift: {
      /** Format: uuid */
      id: string;
      person: string;
      startsAt: string;
      endsAt: string;
      contacts: {
        /** @enum {string} */
        channel: "email" | "webhook";
        address: string;
      }[];
      createdBy: string | null;
      createdAt: string;
      updatedAt: string;
    };
    /**
     * @example {
     *       "person": "Ada Lovelace",
     *       "startsAt": "2030-05-04T08:00:00Z",
     *       "endsAt": "2030-05-11T08:00:00Z",
     *       "contacts": [
     *         {
     *           "channel": "email",
     *           "address": "ada@example.com"
     *         }
     *       ]
     *     }
     */
    CreateDutyShiftRequest: {
      /** @example Ada Lovelace */
      person: string;
      /**
       * Format: date-time
       * @example 2030-05-04T08:00:00Z
       */
      startsAt: string;
      /**
       * Format: date-time
       * @description after startsAt
       * @example 2030-05-11T08:00:00Z
       */
      endsAt: string;
      contacts?: components["schemas"]["Contact"][];
    };
    Contact: {
      /**
       * @example email
       * @enum {string}
       */
      channel: "email" | "webhook";
      /**
       * @description an email address (channel email) or an http(s) URL (channel webhook)
       * @example oncall@example.com
       */
      address: string;
    };
    DutyShiftPage: {
      items: components["schemas"]["DutyShift"][];
      nextCursor: string | null;
    };
    /**
     * @example {
     *       "endsAt": "2030-05-12T08:00:00Z"
     *     }
     */
    UpdateDutyShiftRequest: {
      /** @example Ada Lovelace */
      person?: string;
      /**
       * Format: date-time
       * @example 2030-05-04T08:00:00Z
       */
      startsAt?: string;
      /**
       * Format: date-time
       * @example 2030-05-04T08:00:00Z
       */
      endsAt?: string;
      /** @description replaced whole */
      contacts?: components["schemas"]["Contact"][];
    };
    Subscription: {
      /** Format: uuid */
      id: string;
      name: string;
      eventTypes: (
        | "order.created"
        | "order.completed"
        | "order.failed"
        | "machine.fault"
        | "cluster.offline"
        | "stock.empty"
      )[];
      /**
       * @description webhook: a signed POST to the URL; email: through the email webhook adapter
       * @example webhook
       * @enum {string}
       */
      channel: "email" | "webhook";
      address: string;
      enabled: boolean;
      createdBy: string | null;
      createdAt: string;
      updatedAt: string;
    };
    /**
     * @example {
     *       "name": "platform-team-orders",
     *       "eventTypes": [
     *         "order.created",
     *         "order.failed"
     *       ],
     *       "channel": "webhook",
     *       "address": "https://hooks.example.com/ksp"
     *     }
     */
    CreateSubscriptionRequest: {
      /** @example platform-team-orders */
      name: string;
      /** @description at least one; each at most once */
      eventTypes: (
        | "order.created"
        | "order.completed"
        | "order.failed"
        | "machine.fault"
        | "cluster.offline"
        | "stock.empty"
      )[];
      /**
       * @description webhook: a signed POST to the URL; email: through the email webhook adapter
       * @example webhook
       * @enum {string}
       */
      channel: "email" | "webhook";
      /**
       * @description an http(s) URL (channel webhook) or an email address (channel email)
       * @example https://hooks.example.com/ksp
       */
      address: string;
      /** @description default true */
      enabled?: boolean;
    };
    SubscriptionPage: {
      items: components["schemas"]["Subscription"][];
      nextCursor: string | null;
    };
    /**
     * @example {
     *       "enabled": false
     *     }
     */
    UpdateSubscriptionRequest: {
      /** @example platform-team-orders */
      name?: string;
      /** @description replaced whole */
      eventTypes?: (
        | "order.created"
        | "order.completed"
        | "order.failed"
        | "machine.fault"
        | "cluster.offline"
        | "stock.empty"
      )[];
      /**
       * @description webhook: a signed POST to the URL; email: through the email webhook adapter
       * @example webhook
       * @enum {string}
       */
      channel?: "email" | "webhook";
      /**
       * @description an http(s) URL (channel webhook) or an email address (channel email)
       * @example https://hooks.example.com/ksp
       */
      address?: string;
      enabled?: boolean;
    };
    NotificationPage: {
      items: components["schemas"]["Notification"][];
      nextCursor: string | null;
    };
    Notification: {
      /** Format: uuid */
      id: string;
      /** @description the idempotency key the receiver sees */
      deliveryId: string;
      /** @enum {string} */
      eventType:
        | "order.created"
        | "order.completed"
        | "order.failed"
        | "machine.fault"
        | "cluster.offline"
        | "stock.empty";
      /** @description what the event is about, e.g. an order's id */
      subjectId: string | null;
      /** @enum {string} */
      channel: "email" | "webhook";
      address: string;
      /**
       * @description "subscription:<id>" or "duty:<id>"
       * @example duty:5e1f2a3b
       */
      recipient: string;
      /** @description the body sent (secrets masked) */
      payload: {
        [key: string]: unknown;
      };
      /** @enum {string} */
      status: "pending" | "sent" | "failed";
      attempts: number;
      /** @description when the next attempt is due; null once settled */
      nextAttemptAt: string | null;
      transportMessageId: string | null;
      lastError: string | null;
      sentAt: string | null;
      createdAt: string;
      updatedAt: string;
    };
    EventPage: {
      items: components["schemas"]["Event"][];
      nextCursor: string | null;
    };
    Event: {
      id: string;
      /** @description dotted type, e.g. "machine.transition" */
      kind: string;
      /** @enum {string} */
      status: "pending" | "running" | "succeeded" | "failed" | "cancelled";
      requestId: string | null;
      clusterId: string | null;
      poolId: string | null;
      machineId: string | null;
      delta: number | null;
      error: string | null;
      metadata: {
        [key: string]: unknown;
      };
      startedAt: string;
      endedAt: string | null;
      createdAt: string;
    };
    AuditPage: {
      items: components["schemas"]["AuditEntry"][];
      nextCursor: string | null;
    };
    AuditEntry: {
      id: string;
      at: string;
      actor: string;
      action: string;
      resourceType: string;
      resourceId: string | null;
      clusterId: string | null;
      /**
       * @description pending: recorded before the request was carried out, its outcome never recorded (the server stopped, or the audit update failed); the change may or may not have happened
       * @enum {string}
       */
      result: "success" | "failure" | "pending";
      statusCode: number | null;
      changes: {
        [key: string]: unknown;
      };
      ip: string | null;
      userAgent: string | null;
      requestId: string | null;
    };
    SshKey: {
      /** Format: uuid */
      id: string;
      name: string;
      description: string;
      /** @example ssh-ed25519 */
      algorithm: string;
      /**
       * @description as `ssh-keygen -l` prints it
       * @example SHA256:…
       */
      fingerprint: string;
      /** @description an authorized_keys line to put on the machines */
      publicKey: string;
      hasPassphrase: boolean;
      /** @description 1, and one more for every rotation */
      version: number;
      rotatedAt: string | null;
      createdAt: string;
      updatedAt: string;
    };
    /**
     * @example {
     *       "name": "default",
     *       "description": "generated for the pool"
     *     }
     */
    CreateSshKeyRequest: {
      /**
       * @description what a machine's sshKeyRef names (no sshKeyRef: the key named "default"); 1-63 characters of A-Z a-z 0-9 . _ -, not starting with a dot, and not a UUID
       * @example default
       */
      name: string;
      /**
       * @description free text
       * @example root key for rack 4
       */
      description?: string;
      /** @description an OpenSSH private key file's text (-----BEGIN OPENSSH PRIVATE KEY-----), as ssh-keygen writes it. PEM/PKCS#8 keys are refused: convert them with `ssh-keygen -p -f <file>`. Leave out to generate an ed25519 key. */
      privateKey?: string;
      /** @description the key's passphrase: required for a passphrase-protected key, refused for any other */
      passphrase?: string;
    };
    SshKeyPage: {
      items: components["schemas"]["SshKey"][];
      nextCursor: string | null;
    };
    /**
     * @example {
     *       "description": "root key for rack 4 and 5"
     *     }
     */
    UpdateSshKeyRequest: {
      /**
       * @description free text
       * @example root key for rack 4
       */
      description: string;
    };
    /**
     * @description A new key pair under the same name: the given private key, or a new ed25519 key when none is given.
     * @example {}
     */
    RotateSshKeyRequest: {
      /** @description an OpenSSH private key file's text (-----BEGIN OPENSSH PRIVATE KEY-----), as ssh-keygen writes it. PEM/PKCS#8 keys are refused: convert them with `ssh-keygen -p -f <file>`. Leave out to generate an ed25519 key. */
      privateKey?: string;
      /** @description the key's passphrase: required for a passphrase-protected key, refused for any other */
      passphrase?: string;
    };
    EncryptionStatus: {
      /**
       * @description the key new values are sealed with (the first of KSP_ENCRYPTION_KEYS); null: none configured
       * @example k2
       */
      currentKeyId: string | null;
      /** @description every key the control plane holds, newest first */
      keyIds: string[];
      /** @description one entry per table that holds secrets */
      values: components["schemas"]["SealedValueCount"][];
      /** @description values sealed with any key but the current one; 0 means older keys can be removed */
      pendingRotation: number;
      /** @description key ids stored values were sealed with that the control plane does not hold: they cannot be read */
      unknownKeyIds: string[];
    };
    SealedValueCount: {
      /** @example cluster_kubeconfigs */
      table: string;
      total: number;
      /**
       * @description values per key id they were sealed with
       * @example {
       *       "k2": 40,
       *       "k1": 2
       *     }
       */
      byKeyId: {
        [key: string]: number;
      };
    };
    EncryptionRotation: {
      /** @example k2 */
      currentKeyId: string;
      /** @description sealed again with the current key */
      rotated: number;
      /** @description replaced or deleted by another writer meanwhile (which already used the current key) */
      skipped: number;
      /** @description could not be opened (unknown key, tampered); left as they are */
      failed: number;
      batches: number;
      /** @description every value on an older key was visited; false: the pass hit its bound, run it again */
      complete: boolean;
      tables: {
        table: string;
        /** @description sealed again with the current key */
        rotated: number;
        /** @description replaced or deleted by another writer meanwhile (which already used the current key) */
        skipped: number;
        /** @description could not be opened (unknown key, tampered); left as they are */
        failed: number;
      }[];
      /** @description the first values that could not be re-encrypted (all are logged) */
      failures: {
        table: string;
        /** @description the row's id */
        id: string;
        /** @example k2 */
        keyId: string;
        /** @enum {string} */
        reason: "malformed" | "unknown_key" | "authentication_failed";
      }[];
      /** @description values still on a key other than the current one */
      pendingRotation: number;
    };
    DeadLetterPage: {
      items: components["schemas"]["DeadLetter"][];
      nextCursor: string | null;
    };
    DeadLetter: {
      /** Format: uuid */
      id: string;
      /**
       * @description consumer: parked by our consumer (a message that can never succeed, or too many failed attempts); dlq: Cloudflare moved it to the dead-letter queue (an invocation that crashed or timed out)
       * @enum {string}
       */
      source: "consumer" | "dlq";
      /**
       * @description the queue it was meant for
       * @example ksp-jobs
       */
      queue: string;
      /** @description the transport's message id */
      messageId: string | null;
      /** @description the message as delivered (it may not be a valid job message) */
      body?: unknown;
      /** @example job.cluster */
      messageType: string | null;
      /** @example probe-clusters */
      job: string | null;
      clusterId: string | null;
      /** @description why it was given up on */
      reason: string;
      /** @description deliveries counted when it was given up on */
      attempts: number;
      /** @enum {string} */
      status: "parked" | "replayed" | "discarded";
      parkedAt: string;
      replayCount: number;
      lastReplayedAt: string | null;
      /** @example token:8b0e… */
      lastReplayedBy: string | null;
      version: number;
      updatedAt: string;
    };
    OrderPage: {
      items: components["schemas"]["Order"][];
      nextCursor: string | null;
    };
    Order: {
      /** Format: uuid */
      id: string;
      /** @example ORD-000042 */
      number: string;
      /** Format: uuid */
      clusterId: string | null;
      /** Format: uuid */
      poolId: string | null;
      /**
       * Format: uuid
       * @description null: a manual order or an external request
       */
      strategyId: string | null;
      /** @enum {string} */
      action: "pool_entry" | "pool_exit" | "maintenance" | "uncordon";
      /** @enum {string} */
      status:
        | "pending"
        | "processing"
        | "maintenance_in_progress"
        | "completed"
        | "failed"
        | "cancelled"
        | "ignored";
      reason: string | null;
      createdBy: string;
      /** @description who approved, ignored or cancelled it */
      executedBy: string | null;
      executedAt: string | null;
      completedAt: string | null;
      failureReason: string | null;
      triggerValue: number | null;
      threshold: number | null;
      maintenanceWindow: {
        start: string | null;
        end: string | null;
      } | null;
      externalTicketId: string | null;
      /**
       * Format: uuid
       * @description an uncordon order's maintenance order
       */
      parentOrderId: string | null;
      /** @description bumped by every change; pass as expectedVersion */
      version: number;
      createdAt: string;
      updatedAt: string;
      devices: components["schemas"]["OrderDevice"][];
    };
    OrderDevice: {
      /** Format: uuid */
      machineId: string;
      hostname: string;
      /** @enum {string} */
      status: "pending" | "in_progress" | "done" | "failed";
      error: string | null;
    };
    /**
     * @example {
     *       "action": "pool_exit",
     *       "clusterId": "prod-eu-1",
     *       "poolId": "gpu-a100",
     *       "machineIds": [
     *         "node-17.rack4"
     *       ],
     *       "reason": "idle for a week"
     *     }
     */
    CreateOrderRequest: {
      /**
       * @description pool_entry and pool_exit name their pool; maintenance takes any machines of one cluster
       * @enum {string}
       */
      action: "pool_entry" | "pool_exit" | "maintenance";
      /**
       * @description The cluster's id or name
       * @example prod-eu-1
       */
      clusterId?: string;
      /**
       * @description The pool's id, its name within the cluster the request names, or "cluster/pool"
       * @example prod-eu-1/gpu-a100
       */
      poolId?: string;
      /** @description machine ids or hostnames */
      machineIds: string[];
      reason?: string;
      maintenanceWindow?: components["schemas"]["MaintenanceWindow"];
      /**
       * @description the external system's ticket id
       * @example CHG-20431
       */
      externalTicketId?: string;
    };
    /** @description when the work is planned; end after start */
    MaintenanceWindow: {
      /**
       * Format: date-time
       * @example 2030-05-04T22:00:00Z
       */
      start: string;
      /**
       * Format: date-time
       * @example 2030-05-05T02:00:00Z
       */
      end: string;
    };
    /**
     * @example {
     *       "expectedVersion": 0,
     *       "reason": "capacity is needed elsewhere"
     *     }
     */
    OrderDecision: {
      /** @description refuse with 409 stale_version unless the order is still at this version */
      expectedVersion?: number;
      reason?: string;
    };
    /**
     * @example {
     *       "machineId": "node-17.rack4",
     *       "ticketId": "CHG-20431",
     *       "reason": "replace DIMM B2",
     *       "maintenanceWindow": {
     *         "start": "2030-05-04T22:00:00Z",
     *         "end": "2030-05-05T02:00:00Z"
     *       }
     *     }
     */
    MaintenanceRequest: {
      /**
       * @description The machine's id or hostname
       * @example node-17.rack4
       */
      machineId: string;
      /**
       * @description the external system's ticket id
       * @example CHG-20431
       */
      ticketId: string;
      reason?: string;
      maintenanceWindow?: components["schemas"]["MaintenanceWindow"];
    };
    MaintenanceCompletionResult: {
      order: components["schemas"]["Order"];
      uncordonOrder: components["schemas"]["Order"] & (Record<string, never> | null);
    };
    /**
     * @example {
     *       "outcome": "completed",
     *       "note": "DIMM replaced"
     *     }
     */
    MaintenanceCompletion: {
      /**
       * @description completed (default): the machines return to service; failed: they stay in maintenance
       * @enum {string}
       */
      outcome?: "completed" | "failed";
      note?: string;
    };
    AgentRegisterResponse: {
      clusterId: string;
      clusterName: string;
      credential: string;
    };
    AgentRegisterRequest: {
      registrationToken: string;
      clusterName?: string;
      agentVersion: string;
      kubernetesVersion: string;
    };
    AgentRotatedCredential: {
      clusterId: string;
      credential: string;
      rotatedAt: string;
    };
    AgentHeartbeatResponse: {
      receivedAt: string;
      stateVersion: number;
    };
    AgentHeartbeatRequest: {
      agentVersion: string;
      kubernetesVersion: string;
      nodeCounts: {
        total: number;
        ready: number;
      };
      leader: {
        identity: string;
        /** Format: date-time */
        since: string;
      };
    };
    AgentState: {
      clusterId: string;
      stateVersion: number;
      pools: {
        id: string;
        name: string;
        minSize: number;
        maxSize: number;
        autoscalingEnabled: boolean;
        template: {
          labels: {
            [key: string]: string;
          };
          taints: {
            key: string;
            value?: string;
            /** @enum {string} */
            effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
          }[];
          capacity: {
            cpuMillis: number;
            memoryBytes: number;
            ephemeralStorageBytes: number;
            pods: number;
          };
          allocatable: {
            cpuMillis: number;
            memoryBytes: number;
            ephemeralStorageBytes: number;
            pods: number;
          };
          gpuCount: number;
          gpuType: string | null;
        };
        scaleUpPolicy: string;
        scaleDownPolicy: string;
        scaleUpCooldownSeconds: number;
        scaleDownCooldownSeconds: number;
        prepareHosts: boolean;
        hooks: {
          preJoin: string | null;
          postJoin: string | null;
          preReset: string | null;
          postReset: string | null;
        };
        autoscalingOptions: {
          scaleDownUtilizationThreshold?: number;
          scaleDownGpuUtilizationThreshold?: number;
          scaleDownUnneededSeconds?: number;
          scaleDownUnreadySeconds?: number;
          maxNodeProvisionSeconds?: number;
          zeroOrMaxNodeScaling?: boolean;
          ignoreDaemonSetsUtilization?: boolean;
        } | null;
        hourlyPrice: number | null;
        drain: {
          timeoutSeconds: number;
          gracePeriodSeconds: number;
          ignoreDaemonSets: boolean;
          deleteEmptyDirData: boolean;
          force: boolean;
        };
        /**
         * @default {
         *       "joinTimeoutSeconds": 600,
         *       "registrationTimeoutSeconds": 240,
         *       "resetTimeoutSeconds": 600,
         *       "maxConcurrentJoins": 10,
         *       "maxConcurrentRemovals": 5,
         *       "kubeadmConfigVersion": null,
         *       "healthProbeIntervalSeconds": 60,
         *       "healthFailureThreshold": 3,
         *       "autoRepair": false,
         *       "zombieAction": "cordon"
         *     }
         */
        lifecycle: {
          joinTimeoutSeconds: number;
          registrationTimeoutSeconds: number;
          resetTimeoutSeconds: number;
          maxConcurrentJoins: number;
          maxConcurrentRemovals: number;
          /** @enum {string|null} */
          kubeadmConfigVersion: "v1beta3" | "v1beta4" | null;
          /** @default 60 */
          healthProbeIntervalSeconds: number;
          /** @default 3 */
          healthFailureThreshold: number;
          /** @default false */
          autoRepair: boolean;
          /**
           * @default cordon
           * @enum {string}
           */
          zombieAction: "cordon" | "remove";
        };
      }[];
      machines: {
        id: string;
        hostname: string;
        ip: string;
        ssh: {
          user: string;
          port: number;
          keyRef: string | null;
        };
        hostKeyFingerprint: string | null;
        /** @enum {string} */
        status:
          | "available"
          | "reserved"
          | "joining"
          | "ready"
          | "draining"
          | "leaving"
          | "fault"
          | "maintenance"
          | "archived";
        statusReason: string | null;
        /** @enum {string} */
        desiredState: "joined" | "absent";
        providerId: string | null;
        nodeName: string | null;
        poolId: string | null;
        version: number;
        labels: {
          [key: string]: string;
        };
        taints: {
          key: string;
          value?: string;
          /** @enum {string} */
          effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
        }[];
        resources: {
          cpuCores: number;
          memoryBytes: number;
          gpuCount: number;
          gpuType: string | null;
        };
        region: string | null;
        zone: string | null;
        lastError: string | null;
        statusChangedAt: string;
        /**
         * @default null
         * @enum {string|null}
         */
        drainIntent: "maintenance" | null;
      }[];
    };
    AgentAllocationResponse: {
      allocationId: string;
      requestId: string;
      poolId: string;
      delta: number;
      created: boolean;
      createdAt: string;
      machines: {
        id: string;
        providerId: string | null;
        hostname: string;
        ip: string;
        ssh: {
          user: string;
          port: number;
          keyRef: string | null;
        };
        hostKeyFingerprint: string | null;
        /** @enum {string} */
        status:
          | "available"
          | "reserved"
          | "joining"
          | "ready"
          | "draining"
          | "leaving"
          | "fault"
          | "maintenance"
          | "archived";
        version: number;
        labels: {
          [key: string]: string;
        };
        taints: {
          key: string;
          value?: string;
          /** @enum {string} */
          effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
        }[];
      }[];
    };
    AgentAllocationRequest: {
      /** Format: uuid */
      poolId: string;
      delta: number;
      requestId: string;
    };
    AgentTransitionsResponse: {
      results: (
        | {
            machineId: string;
            /** @enum {boolean} */
            ok: true;
            machine: {
              /** @enum {string} */
              status:
                | "available"
                | "reserved"
                | "joining"
                | "ready"
                | "draining"
                | "leaving"
                | "fault"
                | "maintenance"
                | "archived";
              version: number;
            };
          }
        | {
            machineId: string;
            /** @enum {boolean} */
            ok: false;
            error: {
              /** @enum {string} */
              code:
                | "bad_request"
                | "validation_failed"
                | "unauthorized"
                | "forbidden"
                | "not_found"
                | "method_not_allowed"
                | "conflict"
                | "illegal_transition"
                | "stale_version"
                | "not_enough_machines"
                | "pool_at_max"
                | "pool_disabled"
                | "payload_too_large"
                | "unsupported_media_type"
                | "import_rejected"
                | "rate_limited"
                | "dependency_unavailable"
                | "internal";
              message: string;
              details?: {
                [key: string]: unknown;
              };
            };
          }
      )[];
      summary: {
        applied: number;
        failed: number;
      };
    };
    AgentTransitionsRequest: {
      items: {
        /** Format: uuid */
        machineId: string;
        /** @enum {string} */
        from:
          | "available"
          | "reserved"
          | "joining"
          | "ready"
          | "draining"
          | "leaving"
          | "fault"
          | "maintenance"
          | "archived";
        /** @enum {string} */
        to:
          | "available"
          | "reserved"
          | "joining"
          | "ready"
          | "draining"
          | "leaving"
          | "fault"
          | "maintenance"
          | "archived";
        expectedVersion?: number;
        reason?: string;
        nodeName?: string;
        lastError?: string;
      }[];
    };
    AgentHostKeysResponse: {
      results: (
        | {
            machineId: string;
            /** @enum {boolean} */
            ok: true;
            pinned: boolean;
            fingerprint: string;
          }
        | {
            machineId: string;
            /** @enum {boolean} */
            ok: false;
            error: {
              /** @enum {string} */
              code:
                | "bad_request"
                | "validation_failed"
                | "unauthorized"
                | "forbidden"
                | "not_found"
                | "method_not_allowed"
                | "conflict"
                | "illegal_transition"
                | "stale_version"
                | "not_enough_machines"
                | "pool_at_max"
                | "pool_disabled"
                | "payload_too_large"
                | "unsupported_media_type"
                | "import_rejected"
                | "rate_limited"
                | "dependency_unavailable"
                | "internal";
              message: string;
              details?: {
                [key: string]: unknown;
              };
            };
          }
      )[];
      summary: {
        pinned: number;
        unchanged: number;
        failed: number;
      };
    };
    AgentHostKeysRequest: {
      items: {
        /** Format: uuid */
        machineId: string;
        fingerprint: string;
      }[];
    };
    AgentSshKey: {
      /** Format: uuid */
      machineId: string;
      keyRef: string;
      fingerprint: string;
      version: number;
      privateKey: string;
      passphrase?: string;
    };
    AgentSnapshotsResponse: {
      capturedAt: string;
      recorded: number;
    };
    AgentSnapshotsRequest: {
      /** Format: date-time */
      capturedAt?: string;
      pools: {
        /** Format: uuid */
        poolId: string;
        nodeCount: number;
        capacity: {
          cpuMillis: number;
          memoryBytes: number;
        };
        allocatable: {
          cpuMillis: number;
          memoryBytes: number;
        };
        requested: {
          cpuMillis: number;
          memoryBytes: number;
        };
        usage: {
          cpuMillis: number;
          memoryBytes: number;
        };
      }[];
      cluster?: {
        nodeCount: number;
        capacity: {
          cpuMillis: number;
          memoryBytes: number;
        };
        allocatable: {
          cpuMillis: number;
          memoryBytes: number;
        };
        requested: {
          cpuMillis: number;
          memoryBytes: number;
        };
        usage: {
          cpuMillis: number;
          memoryBytes: number;
        };
      };
    };
    AgentScalingRefusalResponse: {
      repeats: number;
    };
    AgentScalingRefusalRequest: {
      /** Format: uuid */
      poolId: string;
      /** @enum {string} */
      direction: "up" | "down";
      requested: number;
      reasons: {
        /** @enum {string} */
        code: "max_size_reached" | "min_size_reached" | "node_in_maintenance";
        message: string;
        count?: number;
      }[];
    };
    /**
     * @example {
     *       "ticketId": "CHG-20431",
     *       "outcome": "completed",
     *       "note": "DIMM replaced"
     *     }
     */
    MaintenanceCompleteHook: {
      /**
       * @description the external system's ticket id
       * @example CHG-20431
       */
      ticketId: string;
      /**
       * @description completed (default): the machines return to service; failed: they stay in maintenance
       * @enum {string}
       */
      outcome?: "completed" | "failed";
      note?: string;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getHealthz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The process is serving */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Health"];
        };
      };
      /** @description payload_too_large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getReadyz: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every dependency answers */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Readiness"];
        };
      };
      /** @description payload_too_large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description A dependency is down */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Readiness"];
        };
      };
    };
  };
  getMetrics: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The metrics, in the Prometheus text format */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "text/plain": string;
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getOwnToken: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The calling token */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TokenSelf"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listTokens: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        role?: "admin" | "operator" | "viewer";
        /** @description only tokens scoped to this cluster */
        clusterId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of tokens, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiTokenPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createToken: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateApiTokenRequest"];
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedApiToken"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  revokeToken: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        tokenId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The revoked token */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ApiToken"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listClusters: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description case-insensitive text in name or description */
        q?: string;
        /** @description derived agent health (heartbeats) */
        status?: "healthy" | "degraded" | "offline" | "unknown";
        /** @description Kubernetes label selector, e.g. env=prod,tier in (a,b),!legacy */
        labelSelector?: string;
        /** @description the API server's last check through the kubeconfig; unchecked = a kubeconfig not checked yet. Clusters without a kubeconfig never match */
        apiServerStatus?: "healthy" | "degraded" | "unreachable" | "unauthorized" | "unchecked";
        /** @description agent: a registered agent; kubeconfig: an imported kubeconfig (a cluster may have both) */
        access?: "agent" | "kubeconfig";
        /** @description Kubernetes version prefix by whole components (1.30 matches v1.30.2, not 1.300): the agent's report, else the API server check's */
        version?: string;
        /** @description order of the pages; a cursor only continues the sort it was made for */
        sort?: "createdAt" | "-createdAt" | "name" | "-name";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of clusters, oldest first unless sort says otherwise */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ClusterPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createCluster: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateClusterRequest"];
      };
    };
    responses: {
      /** @description Created; the registration token (agent mode) is shown only in this response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedCluster"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getCluster: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The cluster */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Cluster"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteCluster: {
    parameters: {
      query?: {
        /** @description delete even while machines are in use; they are moved to fault */
        force?: "true" | "false";
      };
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted; what happened to its machines */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeletedCluster"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateCluster: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateClusterRequest"];
      };
    };
    responses: {
      /** @description The updated cluster */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Cluster"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  rotateClusterRegistrationToken: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The new token, shown only in this response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["RotatedRegistrationToken"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  putClusterKubeconfig: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["PutClusterKubeconfigRequest"];
      };
    };
    responses: {
      /** @description The cluster */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Cluster"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteClusterKubeconfig: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Removed */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listPools: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description case-insensitive text in name or description */
        q?: string;
        /** @description only pools of this type */
        poolType?: string;
      };
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of pools, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PoolPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createPool: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreatePoolRequest"];
      };
    };
    responses: {
      /** @description The new pool */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Pool"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getPool: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pool */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Pool"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deletePool: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeletedPool"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updatePool: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdatePoolRequest"];
      };
    };
    responses: {
      /** @description The updated pool */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Pool"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getPoolStatus: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pool's status */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PoolStatus"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getPoolHistory: {
    parameters: {
      query?: {
        /** @description start of the window, inclusive (default: 24 hours before until) */
        since?: string;
        /** @description end of the window, exclusive (default: now); at most 31 days after since */
        until?: string;
      };
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pool's history */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PoolHistory"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  enablePoolAutoscaling: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pool */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Pool"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  disablePoolAutoscaling: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The cluster's id or name */
        clusterId: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The pool */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Pool"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listMachines: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description The cluster's id or name */
        clusterId?: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId?: string;
        status?: string | string[];
        region?: string;
        zone?: string;
        /** @description Kubernetes label selector, e.g. gpu=a100,zone in (a,b),!legacy */
        labelSelector?: string;
        /** @description case-insensitive text in hostname, IP address or node name */
        q?: string;
        /** @description true: only the free inventory; false: only machines assigned to a cluster */
        unassigned?: "true" | "false";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of machines, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MachinePage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createMachine: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MachineInput"];
      };
    };
    responses: {
      /** @description The new machine */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getMachineSummary: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The counts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MachineSummary"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The machine */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MachineUpdate"];
      };
    };
    responses: {
      /** @description The machine */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  assignMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MachineAssignment"];
      };
    };
    responses: {
      /** @description The machine in its pool */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  unassignMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["MachineVersionGuard"];
      };
    };
    responses: {
      /** @description The machine, now unassigned */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  moveMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MachineAssignment"];
      };
    };
    responses: {
      /** @description The machine in its pool */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  maintenanceMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MachineStatusReason"];
      };
    };
    responses: {
      /** @description The machine after the change */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  faultMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MachineStatusReason"];
      };
    };
    responses: {
      /** @description The machine after the change */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  restoreMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["MachineStatusOptionalReason"];
      };
    };
    responses: {
      /** @description The machine after the change */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  archiveMachine: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["MachineStatusOptionalReason"];
      };
    };
    responses: {
      /** @description The machine after the change */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  confirmMachineIdentity: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The machine's id or hostname */
        machineId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["MachineVersionGuard"];
      };
    };
    responses: {
      /** @description The machine, its identity confirmed */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Machine"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  importMachines: {
    parameters: {
      query?: {
        /** @description validate and report exactly what would happen, writing nothing (default false) */
        dryRun?: "true" | "false";
        /** @description all-or-nothing (default): any row in error and nothing is written; best-effort: valid rows are written */
        mode?: "all-or-nothing" | "best-effort";
        /** @description update the descriptive fields of a live machine holding the same IP (never its status or assignment) (default false) */
        overwrite?: "true" | "false";
        /** @description with poolId: assign created machines to this pool */
        clusterId?: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** @description the machines; the Content-Type selects the format */
    requestBody?: {
      content: {
        "application/json": components["schemas"]["MachineImportJson"];
        "text/csv": string;
        "application/yaml": string;
        "text/yaml": string;
      };
    };
    responses: {
      /** @description The file was processed (a dry run, or best-effort); `applied` says whether it was written */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MachineImportReport"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description payload_too_large */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description import_rejected: an all-or-nothing import with rows in error; nothing was written */
      422: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MachineImportRejected"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listQueryTemplates: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description case-insensitive text in name or description */
        q?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of templates, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueryTemplatePage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createQueryTemplate: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateQueryTemplateRequest"];
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueryTemplate"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getQueryTemplate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        templateId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The template */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueryTemplate"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteQueryTemplate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        templateId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The deleted template */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueryTemplate"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateQueryTemplate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        templateId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateQueryTemplateRequest"];
      };
    };
    responses: {
      /** @description The template */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["QueryTemplate"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  queryDevices: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["DeviceQueryRequest"];
      };
    };
    responses: {
      /** @description A page of matching machines and how many match in all */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeviceQueryResult"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listMatchingPolicies: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description only policies of this pool type */
        poolType?: string;
        /** @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back */
        action?: "pool_entry" | "pool_exit";
        /** @description only enabled (true) or disabled (false) policies */
        enabled?: "true" | "false";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of policies, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MatchingPolicyPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createMatchingPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateMatchingPolicyRequest"];
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MatchingPolicy"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getMatchingPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        policyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The policy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MatchingPolicy"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteMatchingPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        policyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The deleted policy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MatchingPolicy"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateMatchingPolicy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        policyId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateMatchingPolicyRequest"];
      };
    };
    responses: {
      /** @description The policy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MatchingPolicy"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listStrategies: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        status?: "enabled" | "disabled";
        /** @description pool_entry: machines the pool may take in; pool_exit: machines the pool may give back */
        action?: "pool_entry" | "pool_exit";
        /** @description case-insensitive text in name or description */
        q?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of strategies, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["StrategyPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createStrategy: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateStrategyRequest"];
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Strategy"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getStrategy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        strategyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The strategy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Strategy"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteStrategy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        strategyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The deleted strategy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Strategy"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateStrategy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        strategyId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateStrategyRequest"];
      };
    };
    responses: {
      /** @description The strategy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Strategy"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  enableStrategy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        strategyId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["StrategyStatusChangeRequest"];
      };
    };
    responses: {
      /** @description The strategy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Strategy"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  disableStrategy: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        strategyId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["StrategyStatusChangeRequest"];
      };
    };
    responses: {
      /** @description The strategy */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Strategy"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unsupported_media_type */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listStrategyEvaluations: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description only this cluster's evaluations (id or name) */
        clusterId?: string;
        /** @description only this pool's evaluations (id, name or cluster/pool) */
        poolId?: string;
        result?: "order_created" | "below_threshold" | "cooldown" | "no_stock" | "error";
      };
      header?: never;
      path: {
        strategyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of evaluations, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["StrategyEvaluationPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listDutyShifts: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description who is on duty at this time (startsAt <= at < endsAt) */
        at?: string;
        /** @description only shifts that end after this time */
        from?: string;
        /** @description only shifts that start before this time */
        to?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of shifts, earliest start first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DutyShiftPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createDutyShift: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateDutyShiftRequest"];
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DutyShift"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getDutyShift: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        shiftId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The shift */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DutyShift"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteDutyShift: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        shiftId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The deleted shift */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DutyShift"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateDutyShift: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        shiftId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateDutyShiftRequest"];
      };
    };
    responses: {
      /** @description The shift */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DutyShift"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listSubscriptions: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description only subscriptions that receive this type */
        eventType?:
          | "order.created"
          | "order.completed"
          | "order.failed"
          | "machine.fault"
          | "cluster.offline"
          | "stock.empty";
        channel?: "email" | "webhook";
        enabled?: "true" | "false";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of subscriptions, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SubscriptionPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createSubscription: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateSubscriptionRequest"];
      };
    };
    responses: {
      /** @description Created */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Subscription"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getSubscription: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        subscriptionId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The subscription */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Subscription"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteSubscription: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        subscriptionId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The deleted subscription */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Subscription"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateSubscription: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        subscriptionId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateSubscriptionRequest"];
      };
    };
    responses: {
      /** @description The subscription */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Subscription"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listNotifications: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        eventType?:
          | "order.created"
          | "order.completed"
          | "order.failed"
          | "machine.fault"
          | "cluster.offline"
          | "stock.empty";
        status?: "pending" | "sent" | "failed";
        /** @description what the event is about, e.g. an order's id */
        subjectId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of notifications, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["NotificationPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listEvents: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description only rows at or after this time */
        since?: string;
        /** @description only rows before this time */
        until?: string;
        /** @description The cluster's id or name */
        clusterId?: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId?: string;
        /** @description The machine's id or hostname */
        machineId?: string;
        /** @description event type: exact ("machine.transition") or a prefix ending in "." ("machine.") */
        kind?: string;
        status?: "pending" | "running" | "succeeded" | "failed" | "cancelled";
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of events, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EventPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  exportEvents: {
    parameters: {
      query?: {
        /** @description only rows at or after this time */
        since?: string;
        /** @description only rows before this time */
        until?: string;
        /** @description The cluster's id or name */
        clusterId?: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId?: string;
        /** @description The machine's id or hostname */
        machineId?: string;
        /** @description event type: exact ("machine.transition") or a prefix ending in "." ("machine.") */
        kind?: string;
        status?: "pending" | "running" | "succeeded" | "failed" | "cancelled";
        /** @description rows at most, 1 to 1000000 (default 100000) */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One Event object per line */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/x-ndjson": string;
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getOperation: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        operationId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The operation */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Event"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listAuditEntries: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description only rows at or after this time */
        since?: string;
        /** @description only rows before this time */
        until?: string;
        /** @description exact, e.g. "token:<id>" */
        actor?: string;
        /** @description prefix: "cluster." matches every cluster action */
        action?: string;
        resourceType?: string;
        resourceId?: string;
        /** @description The cluster's id or name */
        clusterId?: string;
        result?: "success" | "failure" | "pending";
        requestId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of audit entries, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AuditPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  exportAudit: {
    parameters: {
      query?: {
        /** @description only rows at or after this time */
        since?: string;
        /** @description only rows before this time */
        until?: string;
        /** @description exact, e.g. "token:<id>" */
        actor?: string;
        /** @description prefix: "cluster." matches every cluster action */
        action?: string;
        resourceType?: string;
        resourceId?: string;
        /** @description The cluster's id or name */
        clusterId?: string;
        result?: "success" | "failure" | "pending";
        requestId?: string;
        /** @description rows at most, 1 to 1000000 (default 100000) */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description One AuditEntry object per line */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/x-ndjson": string;
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listSshKeys: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description case-insensitive text in name or description */
        q?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of keys, by name */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SshKeyPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createSshKey: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateSshKeyRequest"];
      };
    };
    responses: {
      /** @description Stored */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SshKey"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getSshKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the key's id or name */
        sshKey: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The key */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SshKey"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  deleteSshKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the key's id or name */
        sshKey: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  updateSshKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the key's id or name */
        sshKey: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["UpdateSshKeyRequest"];
      };
    };
    responses: {
      /** @description The key */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SshKey"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  rotateSshKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the key's id or name */
        sshKey: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["RotateSshKeyRequest"];
      };
    };
    responses: {
      /** @description The rotated key */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SshKey"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getEncryptionStatus: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The status */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EncryptionStatus"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  rotateEncryption: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description What the pass did */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["EncryptionRotation"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listDeadLetters: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description only rows at or after this time */
        since?: string;
        /** @description only rows before this time */
        until?: string;
        /** @description parked, replayed or discarded */
        status?: "parked" | "replayed" | "discarded";
        /** @description the job a message named */
        job?: string;
        messageType?: string;
        /** @description The cluster's id or name */
        clusterId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of dead letters */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeadLetterPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getDeadLetter: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the dead letter's id */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The dead letter */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeadLetter"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  replayDeadLetter: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the dead letter's id */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The dead letter, now replayed */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeadLetter"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  discardDeadLetter: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the dead letter's id */
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The dead letter, now discarded */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["DeadLetter"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  listOrders: {
    parameters: {
      query?: {
        /** @description page size, 1 to 500 */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        status?: string | string[];
        action?: "pool_entry" | "pool_exit" | "maintenance" | "uncordon";
        /** @description The cluster's id or name */
        clusterId?: string;
        /** @description The pool's id, its name within the cluster the request names, or "cluster/pool" */
        poolId?: string;
        strategyId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of orders with their devices, oldest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OrderPage"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createOrder: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreateOrderRequest"];
      };
    };
    responses: {
      /** @description The pending order */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  getOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        orderId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  approveOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        orderId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["OrderDecision"];
      };
    };
    responses: {
      /** @description The order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  ignoreOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        orderId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["OrderDecision"];
      };
    };
    responses: {
      /** @description The order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  cancelOrder: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        orderId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["OrderDecision"];
      };
    };
    responses: {
      /** @description The order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  createMaintenanceRequest: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MaintenanceRequest"];
      };
    };
    responses: {
      /** @description The ticket's order, made by an earlier request */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description The new maintenance order */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Order"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  completeMaintenanceRequest: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description the external system's ticket id */
        ticketId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        "application/json": components["schemas"]["MaintenanceCompletion"];
      };
    };
    responses: {
      /** @description The maintenance order and its uncordon order */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MaintenanceCompletionResult"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, illegal_transition, stale_version */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentRegister: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentRegisterRequest"];
      };
    };
    responses: {
      /** @description The agent credential, shown only in this response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentRegisterResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentRotateCredential: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The new credential, shown only in this response */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentRotatedCredential"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentHeartbeat: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentHeartbeatRequest"];
      };
    };
    responses: {
      /** @description Recorded; stateVersion tells whether /v1/agent/state changed */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentHeartbeatResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentGetState: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Current state; ETag W/"<clusterId>:<stateVersion>" */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentState"];
        };
      };
      /** @description Unchanged since the ETag given in If-None-Match */
      304: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentAllocateMachines: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentAllocationRequest"];
      };
    };
    responses: {
      /** @description The reserved machines (new or replayed) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentAllocationResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description conflict, pool_at_max, not_enough_machines, pool_disabled */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentApplyTransitions: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentTransitionsRequest"];
      };
    };
    responses: {
      /** @description Per-item results and a summary */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentTransitionsResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentPinHostKeys: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentHostKeysRequest"];
      };
    };
    responses: {
      /** @description Per-item results and a summary */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentHostKeysResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentGetSshKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        machineId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The key */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentSshKey"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description dependency_unavailable */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentPushSnapshots: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentSnapshotsRequest"];
      };
    };
    responses: {
      /** @description Stored as raw snapshots */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentSnapshotsResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  agentReportScalingRefusal: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["AgentScalingRefusalRequest"];
      };
    };
    responses: {
      /** @description Recorded as the pool's latest scale decision (identical repeats coalesced) */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AgentScalingRefusalResponse"];
        };
      };
      /** @description validation_failed, bad_request */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description forbidden */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
  maintenanceCompleteHook: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["MaintenanceCompleteHook"];
      };
    };
    responses: {
      /** @description The maintenance order, settled, and the uncordon order returning its machines */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["MaintenanceCompletionResult"];
        };
      };
      /** @description validation_failed */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description unauthorized */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description not_found */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description illegal_transition */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description rate_limited */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
      /** @description internal */
      500: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["ErrorEnvelope"];
        };
      };
    };
  };
}
