/** `ksp audit list|export`: who did what, when, with what result (admin), newest first. */
import { type Command, Option } from "commander";
import type { Schema } from "../api.ts";
import { collectPages } from "../api.ts";
import { timeArg, wholeNumber } from "../args.ts";
import { withListOptions } from "../options.ts";
import { formatAge } from "../output.ts";
import type { ResourceView } from "../render.ts";
import { type Runtime, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";
import { DEFAULT_RECENT } from "./event.ts";
import { streamTo } from "./stream.ts";

type AuditEntry = Schema<"AuditEntry">;
const RESULTS = ["success", "failure", "pending"] as const;

export const auditView: ResourceView<AuditEntry> = {
  kind: "audit",
  name: (entry) => entry.id,
  columns: [
    { header: "AGE", value: (a) => formatAge(a.at) },
    { header: "ACTOR", value: (a) => a.actor },
    { header: "ACTION", value: (a) => a.action },
    { header: "RESOURCE", value: (a) => `${a.resourceType}${a.resourceId ? `/${a.resourceId}` : ""}` },
    { header: "RESULT", value: (a) => a.result },
    { header: "STATUS", value: (a) => a.statusCode ?? "" },
    { header: "ID", value: (a) => a.id, wide: true },
    { header: "TIME", value: (a) => a.at, wide: true },
    { header: "IP", value: (a) => a.ip ?? "", wide: true },
    { header: "REQUEST", value: (a) => a.requestId ?? "", wide: true },
  ],
};

interface AuditFilters {
  since?: string;
  until?: string;
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  cluster?: string;
  result?: (typeof RESULTS)[number];
  requestId?: string;
}

function withAuditFilters(cmd: Command): Command {
  return cmd
    .option("--since <time>", "only after this ISO time or this long ago (e.g. 1h, 7d)", (v) => timeArg(v))
    .option("--until <time>", "only before this ISO time or this long ago", (v) => timeArg(v))
    .option("--actor <actor>", "only this actor, e.g. token:<id>")
    .option("--action <action>", "only this action, e.g. machine.update")
    .option("--resource-type <type>", "only this resource type, e.g. machine")
    .option("--resource-id <id>", "only this resource")
    .option("--cluster <cluster>", "only this cluster's (id or name)")
    .addOption(new Option("--result <result>", "only this result").choices(RESULTS))
    .option("--request-id <id>", "only this request");
}

function queryOf(o: AuditFilters) {
  return {
    ...(o.since ? { since: o.since } : {}),
    ...(o.until ? { until: o.until } : {}),
    ...(o.actor ? { actor: o.actor } : {}),
    ...(o.action ? { action: o.action } : {}),
    ...(o.resourceType ? { resourceType: o.resourceType } : {}),
    ...(o.resourceId ? { resourceId: o.resourceId } : {}),
    ...(o.cluster ? { clusterId: o.cluster } : {}),
    ...(o.result ? { result: o.result } : {}),
    ...(o.requestId ? { requestId: o.requestId } : {}),
  };
}

export function registerAuditCommands(program: Command, rt: Runtime): void {
  const audit = program.command("audit").description("The audit log (admin)");

  withAuditFilters(withListOptions(audit.command("list").alias("ls")))
    .description(`List audit entries, newest first (the ${DEFAULT_RECENT} newest unless --limit)`)
    .action(
      async (options: AuditFilters & { limit?: number; watch?: boolean; watchInterval: number }, cmd) => {
        const session = sessionOf(rt, cmd);
        const query = queryOf(options);
        await listOrWatch(
          session,
          auditView,
          () =>
            collectPages(
              (page) => session.api.GET("/v1/audit", { params: { query: { ...query, ...page } } }),
              options.limit ?? DEFAULT_RECENT,
            ),
          options,
        );
      },
    );

  withAuditFilters(audit.command("export"))
    .description("Export audit entries as NDJSON, streamed to stdout")
    .option("--limit <n>", "at most this many", wholeNumber)
    .action(async (options: AuditFilters & { limit?: number }, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = { ...queryOf(options), ...(options.limit !== undefined ? { limit: options.limit } : {}) };
      await streamTo(
        session.deps,
        await session.api.GET("/v1/audit/export", { params: { query }, parseAs: "stream" }),
      );
    });
}
