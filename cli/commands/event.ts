/**
 * `ksp event list|get|export`: the control plane's events and operations
 * (joins, removals, allocations, status changes), newest first.
 */
import { type Command, Option } from "commander";
import { collectPages, dataOf, type Schema } from "../api.ts";
import { pathRef, timeArg, wholeNumber } from "../args.ts";
import { withListOptions } from "../options.ts";
import { cellText, formatAge } from "../output.ts";
import type { ResourceView } from "../render.ts";
import { type Runtime, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";
import { streamTo } from "./stream.ts";

type Event = Schema<"Event">;
const EVENT_STATUSES = ["pending", "running", "succeeded", "failed", "cancelled"] as const;
export const DEFAULT_RECENT = 100;

export const eventView: ResourceView<Event> = {
  kind: "event",
  name: (event) => event.id,
  columns: [
    { header: "AGE", value: (e) => formatAge(e.createdAt) },
    { header: "KIND", value: (e) => e.kind },
    { header: "STATUS", value: (e) => e.status },
    { header: "CLUSTER", value: (e) => e.clusterId ?? "-" },
    { header: "MACHINE", value: (e) => e.machineId ?? "-" },
    { header: "ERROR", value: (e) => e.error ?? "" },
    { header: "ID", value: (e) => e.id, wide: true },
    { header: "POOL", value: (e) => e.poolId ?? "-", wide: true },
    { header: "TIME", value: (e) => e.createdAt, wide: true },
    { header: "METADATA", value: (e) => cellText(e.metadata), wide: true },
  ],
};

interface EventFilters {
  since?: string;
  until?: string;
  cluster?: string;
  pool?: string;
  machine?: string;
  kind?: string;
  status?: (typeof EVENT_STATUSES)[number];
}

function withEventFilters(cmd: Command): Command {
  return cmd
    .option("--since <time>", "only after this ISO time or this long ago (e.g. 1h, 7d)", (v) => timeArg(v))
    .option("--until <time>", "only before this ISO time or this long ago", (v) => timeArg(v))
    .option("--cluster <cluster>", "only this cluster's (id or name)")
    .option("--pool <pool>", "only this pool's (<cluster>/<pool> or id)")
    .option("--machine <machine>", "only this machine's (id or host name)")
    .option("--kind <kind>", "only this kind, e.g. machine.join")
    .addOption(new Option("--status <status>", "only in this status").choices(EVENT_STATUSES));
}

function queryOf(options: EventFilters) {
  return {
    ...(options.since ? { since: options.since } : {}),
    ...(options.until ? { until: options.until } : {}),
    ...(options.cluster ? { clusterId: options.cluster } : {}),
    ...(options.pool ? { poolId: options.pool } : {}),
    ...(options.machine ? { machineId: options.machine } : {}),
    ...(options.kind ? { kind: options.kind } : {}),
    ...(options.status ? { status: options.status } : {}),
  };
}

export function registerEventCommands(program: Command, rt: Runtime): void {
  const event = program.command("event").description("Events and operations, newest first");

  withEventFilters(withListOptions(event.command("list").alias("ls")))
    .description(`List events, newest first (the ${DEFAULT_RECENT} newest unless --limit)`)
    .action(
      async (options: EventFilters & { limit?: number; watch?: boolean; watchInterval: number }, cmd) => {
        const session = sessionOf(rt, cmd);
        const query = queryOf(options);
        await listOrWatch(
          session,
          eventView,
          () =>
            collectPages(
              (page) => session.api.GET("/v1/events", { params: { query: { ...query, ...page } } }),
              options.limit ?? DEFAULT_RECENT,
            ),
          options,
        );
      },
    );

  event
    .command("get")
    .argument("<id>", "the event's or operation's id")
    .description("Show one event or operation")
    .action(async (id: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const found = dataOf(
        await session.api.GET("/v1/operations/{operationId}", {
          params: { path: { operationId: pathRef(id, "the event") } },
        }),
      );
      session.printOne(eventView, found);
    });

  withEventFilters(event.command("export"))
    .description("Export events as NDJSON (one JSON object a line), streamed to stdout")
    .option("--limit <n>", "at most this many", wholeNumber)
    .action(async (options: EventFilters & { limit?: number }, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = { ...queryOf(options), ...(options.limit !== undefined ? { limit: options.limit } : {}) };
      await streamTo(
        session.deps,
        await session.api.GET("/v1/events/export", { params: { query }, parseAs: "stream" }),
      );
    });
}
