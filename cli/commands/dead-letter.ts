/**
 * `ksp dead-letter list|get|replay|discard`: job-queue messages the control
 * plane gave up on (operator, unscoped token). `replay` puts the stored
 * message back on the job queue once; `discard` marks it dealt with.
 */
import { type Command, Option } from "commander";
import { collectPages, dataOf, type Schema } from "../api.ts";
import { pathRef, timeArg } from "../args.ts";
import { type ListOptions, withListOptions } from "../options.ts";
import { cellText, type FieldList, formatAge } from "../output.ts";
import type { ResourceView } from "../render.ts";
import { type Runtime, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";

type DeadLetter = Schema<"DeadLetter">;
const STATUSES = ["parked", "replayed", "discarded"] as const;

/** What the message was: its job (and cluster), or its type. */
function what(d: DeadLetter): string {
  const name = d.job ?? d.messageType ?? "(not a job message)";
  return d.clusterId ? `${name} ${d.clusterId}` : name;
}

function deadLetterFields(d: DeadLetter): FieldList {
  return [
    ["ID", d.id],
    ["Status", d.status],
    ["Source", d.source],
    ["Queue", d.queue],
    ["Message ID", d.messageId ?? ""],
    ["Type", d.messageType ?? ""],
    ["Job", d.job ?? ""],
    ["Cluster", d.clusterId ?? ""],
    ["Reason", d.reason],
    ["Attempts", d.attempts],
    ["Parked", d.parkedAt],
    ["Replays", d.replayCount],
    ["Last replayed", d.lastReplayedAt ? `${d.lastReplayedAt} by ${d.lastReplayedBy ?? "?"}` : "never"],
    ["Version", d.version],
    ["Body", cellText(d.body)],
  ];
}

export const deadLetterView: ResourceView<DeadLetter> = {
  kind: "dead-letter",
  name: (d) => d.id,
  columns: [
    { header: "ID", value: (d) => d.id },
    { header: "STATUS", value: (d) => d.status },
    { header: "WHAT", value: what },
    { header: "ATTEMPTS", value: (d) => d.attempts },
    { header: "AGE", value: (d) => formatAge(d.parkedAt) },
    { header: "REASON", value: (d) => d.reason },
    { header: "SOURCE", value: (d) => d.source, wide: true },
    { header: "REPLAYS", value: (d) => d.replayCount, wide: true },
    { header: "PARKED", value: (d) => d.parkedAt, wide: true },
  ],
  fields: deadLetterFields,
};

interface DeadLetterFilters {
  status?: (typeof STATUSES)[number];
  job?: string;
  type?: string;
  cluster?: string;
  since?: string;
  until?: string;
}

const idPath = (id: string) => ({ params: { path: { id: pathRef(id, "the dead letter") } } });

export function registerDeadLetterCommands(program: Command, rt: Runtime): void {
  const deadLetter = program
    .command("dead-letter")
    .description("Job-queue messages given up on: list, replay or discard them (operator)");

  withListOptions(deadLetter.command("list").alias("ls"))
    .description("List dead letters, newest first (default: the parked ones)")
    .addOption(
      new Option("--status <status>", "only these (default parked)").choices(STATUSES).default("parked"),
    )
    .option("--all", "every status, not only the parked ones")
    .option("--job <job>", "only messages for this job, e.g. probe-clusters")
    .option("--type <type>", "only this message type, e.g. job.cluster")
    .option("--cluster <cluster>", "only messages about this cluster (id or name)")
    .option("--since <time>", "parked at or after this ISO time or this long ago (e.g. 1h, 7d)", (v) =>
      timeArg(v),
    )
    .option("--until <time>", "parked before this ISO time or this long ago", (v) => timeArg(v))
    .action(async (options: DeadLetterFilters & ListOptions & { all?: boolean }, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = {
        ...(options.status && !options.all ? { status: options.status } : {}),
        ...(options.job ? { job: options.job } : {}),
        ...(options.type ? { messageType: options.type } : {}),
        ...(options.cluster ? { clusterId: options.cluster } : {}),
        ...(options.since ? { since: options.since } : {}),
        ...(options.until ? { until: options.until } : {}),
      };
      await listOrWatch(
        session,
        deadLetterView,
        () =>
          collectPages(
            (page) => session.api.GET("/v1/dead-letters", { params: { query: { ...query, ...page } } }),
            options.limit,
          ),
        options,
      );
    });

  deadLetter
    .command("get")
    .argument("<id>", "the dead letter's id")
    .description("Show a dead letter: why it was given up on, and the message as delivered")
    .action(async (id: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      session.printOne(deadLetterView, dataOf(await session.api.GET("/v1/dead-letters/{id}", idPath(id))));
    });

  deadLetter
    .command("replay")
    .argument("<id>", "the dead letter's id")
    .description(
      "Send a parked dead letter's message to the job queue again, once (exit 4 if it is not parked " +
        "or no longer a valid job message); if it fails again it is parked as a new dead letter",
    )
    .action(async (id: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      session.printOne(
        deadLetterView,
        dataOf(await session.api.POST("/v1/dead-letters/{id}/replay", idPath(id))),
      );
    });

  deadLetter
    .command("discard")
    .argument("<id>", "the dead letter's id")
    .description("Mark a parked dead letter as dealt with, without running it (the record is kept)")
    .action(async (id: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      session.printOne(
        deadLetterView,
        dataOf(await session.api.POST("/v1/dead-letters/{id}/discard", idPath(id))),
      );
    });
}
