/**
 * `ksp machine list|get|add|import|update|assign|unassign|maintenance|restore|
 * fault|archive`. A machine is named by UUID or host name (the API resolves
 * it within the token's cluster scope; a host name several machines share is
 * a 409 listing them).
 */
import type { Command } from "commander";
import type { paths } from "../../proto/generated/rest-api.ts";
import { type ApiClient, collectPages, dataOf, type Schema } from "../api.ts";
import { bodyOf, pathRef, poolRefOf, SET_HELP, type SetOptions } from "../args.ts";
import {
  type ListOptions,
  withExpectedVersion,
  withListOptions,
  withSelector,
  withSetOptions,
} from "../options.ts";
import { type FieldList, formatAge, formatBytes, formatLabels } from "../output.ts";
import type { ResourceView } from "../render.ts";
import { type Runtime, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";
import { registerMachineImport } from "./machine-import.ts";

export type Machine = Schema<"Machine">;
type MachineUpdate = Schema<"MachineUpdate">;
type MachineInput = Schema<"MachineInput">;

/** Every field PATCH /v1/machines/{machineId} takes; `satisfies` keeps the list equal to the schema's. */
const UPDATE_FIELDS = Object.keys({
  labels: true,
  tags: true,
  sshUser: true,
  sshPort: true,
  sshKeyRef: true,
  hostKeyFingerprint: true,
  region: true,
  zone: true,
  rack: true,
  expectedVersion: true,
} satisfies Record<keyof MachineUpdate, true>);

/** Every field POST /v1/machines takes. */
const INPUT_FIELDS = Object.keys({
  hostname: true,
  ip: true,
  sshUser: true,
  sshPort: true,
  sshKeyRef: true,
  hostKeyFingerprint: true,
  cpuCores: true,
  memoryBytes: true,
  gpuCount: true,
  gpuType: true,
  region: true,
  zone: true,
  rack: true,
  osImage: true,
  kernelVersion: true,
  kubeletVersion: true,
  containerRuntimeVersion: true,
  labels: true,
  taints: true,
  tags: true,
} satisfies Record<keyof MachineInput, true>);

export function machineFields(machine: Machine): FieldList {
  const gpus = machine.gpuCount === 0 ? "" : `, ${machine.gpuCount} GPUs ${machine.gpuType ?? ""}`.trimEnd();
  const location = [machine.region, machine.zone, machine.rack].map((part) => part ?? "-").join("/");
  const taints = machine.taints.map(
    ({ key, value, effect }) => `${key}${value === undefined ? "" : `=${value}`}:${effect}`,
  );
  return [
    ["Hostname", machine.hostname],
    ["ID", machine.id],
    ["IP", machine.ip],
    ["Status", machine.statusReason ? `${machine.status} (${machine.statusReason})` : machine.status],
    ["Cluster ID", machine.clusterId ?? "<free inventory>"],
    ["Pool ID", machine.poolId],
    ["Node", machine.nodeName],
    [
      "SSH",
      `${machine.sshUser}@${machine.ip}:${machine.sshPort}${machine.sshKeyRef ? ` key ${machine.sshKeyRef}` : ""}`,
    ],
    ["Hardware", `${machine.cpuCores} cores, ${formatBytes(machine.memoryBytes)}${gpus}`],
    ["Location", location],
    ["Labels", formatLabels(machine.labels)],
    ["Taints", taints.length === 0 ? "<none>" : taints.join(",")],
    ["Tags", machine.tags.length === 0 ? "<none>" : machine.tags.join(",")],
    ["Version", machine.version],
    ["Last heartbeat", machine.lastHeartbeatAt ?? "never"],
    ["Last error", machine.lastError],
    ["Created", machine.createdAt],
    ["Updated", machine.updatedAt],
  ];
}

export function machineView(clusterNames: ReadonlyMap<string, string> = new Map()): ResourceView<Machine> {
  return {
    kind: "machine",
    name: (machine) => machine.hostname,
    columns: [
      { header: "HOSTNAME", value: (m) => m.hostname },
      { header: "IP", value: (m) => m.ip },
      { header: "STATUS", value: (m) => m.status },
      {
        header: "CLUSTER",
        value: (m) => (m.clusterId ? (clusterNames.get(m.clusterId) ?? m.clusterId) : "-"),
      },
      { header: "CPU", value: (m) => m.cpuCores },
      { header: "MEMORY", value: (m) => formatBytes(m.memoryBytes) },
      { header: "AGE", value: (m) => formatAge(m.createdAt) },
      { header: "ID", value: (m) => m.id, wide: true },
      { header: "POOL ID", value: (m) => m.poolId ?? "-", wide: true },
      { header: "ZONE", value: (m) => m.zone ?? "-", wide: true },
      { header: "LABELS", value: (m) => formatLabels(m.labels), wide: true },
      { header: "REASON", value: (m) => m.statusReason ?? "", wide: true },
    ],
    fields: machineFields,
  };
}

function machinePath(ref: string) {
  return { params: { path: { machineId: pathRef(ref, "the machine") } } };
}

export async function fetchMachine(api: ApiClient, ref: string): Promise<Machine> {
  return dataOf(await api.GET("/v1/machines/{machineId}", machinePath(ref)));
}

type MachineListQuery = NonNullable<paths["/v1/machines"]["get"]["parameters"]["query"]>;

interface MachineListOptions extends ListOptions {
  cluster?: string;
  pool?: string;
  status?: string;
  region?: string;
  zone?: string;
  selector?: string;
  search?: string;
  unassigned?: boolean;
}

function listQueryOf(options: MachineListOptions): MachineListQuery {
  const query: MachineListQuery = {};
  if (options.cluster) query.clusterId = options.cluster;
  if (options.pool) {
    // `<cluster>/<pool>`: the API takes it as the pool reference whole.
    query.poolId = options.pool;
  }
  if (options.status) query.status = options.status;
  if (options.region) query.region = options.region;
  if (options.zone) query.zone = options.zone;
  if (options.selector) query.labelSelector = options.selector;
  if (options.search) query.q = options.search;
  if (options.unassigned) query.unassigned = "true";
  return query;
}

export async function listMachines(api: ApiClient, query: MachineListQuery, limit?: number) {
  return collectPages((page) => api.GET("/v1/machines", { params: { query: { ...query, ...page } } }), limit);
}

type StatusVerb = "maintenance" | "fault" | "restore" | "archive";
const STATUS_ACTIONS: readonly { verb: StatusVerb; summary: string; reasonRequired: boolean }[] = [
  { verb: "maintenance", summary: "Take a machine out of service for maintenance", reasonRequired: true },
  { verb: "fault", summary: "Mark a machine faulty", reasonRequired: true },
  {
    verb: "restore",
    summary: "Return a machine in maintenance, fault or archived to available",
    reasonRequired: false,
  },
  {
    verb: "archive",
    summary: "Archive a machine that is not in use (it leaves its cluster)",
    reasonRequired: false,
  },
];

export function registerMachineCommands(program: Command, rt: Runtime): void {
  const machine = program.command("machine").description("Machines: the inventory pools draw from");

  withListOptions(withSelector(machine.command("list").alias("ls"), "machines"))
    .description("List machines; filters combine")
    .option("--cluster <cluster>", "only this cluster's machines (id or name)")
    .option("--pool <pool>", "only this pool's machines (<cluster>/<pool> or a pool id)")
    .option("--status <states>", "only these states, comma-separated (e.g. ready,fault)")
    .option("--region <region>", "only this region")
    .option("--zone <zone>", "only this zone")
    .option("-q, --search <text>", "text in the host name or IP")
    .option("--unassigned", "only the free inventory (no cluster)")
    .action(async (options: MachineListOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = listQueryOf(options);
      const names =
        session.config.output === "table" || session.config.output === "wide"
          ? new Map(
              (
                await collectPages((page) => session.api.GET("/v1/clusters", { params: { query: page } }))
              ).map((c) => [c.id, c.name]),
            )
          : new Map<string, string>();
      await listOrWatch(
        session,
        machineView(names),
        () => listMachines(session.api, query, options.limit),
        options,
      );
    });

  machine
    .command("get")
    .argument("<machine>", "id or host name")
    .description("Show a machine")
    .action(async (ref: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      session.printOne(machineView(), await fetchMachine(session.api, ref));
    });

  withSetOptions(
    machine
      .command("add")
      .argument("<hostname>", "the machine's host name")
      .argument("<ip>", "its IP address (SSH and node address)")
      .description("Add a machine to the free inventory"),
  )
    .addHelpText(
      "after",
      `\n${SET_HELP}\nFields: ${INPUT_FIELDS.join(", ")}.\n` +
        "Example: ksp machine add node-1.example.net 10.0.0.11 --set cpuCores=16 --set memoryBytes=68719476736 --set zone=eu-1a",
    )
    .action(async (hostname: string, ip: string, options: SetOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const body = bodyOf(options, INPUT_FIELDS, { hostname, ip }) as MachineInput;
      session.printOne(machineView(), dataOf(await session.api.POST("/v1/machines", { body })));
    });

  registerMachineImport(machine, rt);

  withSetOptions(
    machine
      .command("update")
      .argument("<machine>", "id or host name")
      .description("Change a machine's labels, tags, SSH access or location"),
  )
    .addHelpText(
      "after",
      `\n${SET_HELP}\nFields: ${UPDATE_FIELDS.join(", ")} (labels and tags are replaced as a whole; null clears a field;\n` +
        "expectedVersion refuses the change unless the machine is still at that version).\n" +
        `Example: ksp machine update node-17.example.net --set 'labels={"gpu":"a100"}' --set zone=eu-1a`,
    )
    .action(async (ref: string, options: SetOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      // The API validates every value; the CLI only builds the object.
      const body = bodyOf(options, UPDATE_FIELDS, {}, { requireChange: true }) as MachineUpdate;
      const updated = dataOf(
        await session.api.PATCH("/v1/machines/{machineId}", { ...machinePath(ref), body }),
      );
      session.printOne(machineView(), updated);
    });

  withExpectedVersion(
    machine
      .command("assign")
      .argument("<machine>", "id or host name")
      .argument("<pool>", "<cluster>/<pool>")
      .description("Put a free, available machine into a pool"),
  ).action(async (ref: string, pool: string, options: { expectedVersion?: number }, cmd) => {
    const session = sessionOf(rt, cmd);
    const target = poolRefOf(pool, undefined);
    const body = {
      clusterId: target.cluster,
      poolId: target.pool,
      ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
    };
    const assigned = dataOf(
      await session.api.POST("/v1/machines/{machineId}/assign", { ...machinePath(ref), body }),
    );
    session.printOne(machineView(), assigned);
  });

  withExpectedVersion(
    machine
      .command("unassign")
      .argument("<machine>", "id or host name")
      .description("Return a machine that is not in use to the free inventory"),
  ).action(async (ref: string, options: { expectedVersion?: number }, cmd) => {
    const session = sessionOf(rt, cmd);
    const body = options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {};
    const answer = dataOf(
      await session.api.POST("/v1/machines/{machineId}/unassign", { ...machinePath(ref), body }),
    );
    session.printOne(machineView(), answer);
  });

  for (const { verb, summary, reasonRequired } of STATUS_ACTIONS) {
    const cmd = withExpectedVersion(
      machine.command(verb).argument("<machine>", "id or host name").description(summary),
    );
    if (reasonRequired)
      cmd.requiredOption("--reason <text>", "why (kept with the machine and in its events)");
    else cmd.option("--reason <text>", "why (kept in the machine's events)");
    cmd.action(async (ref: string, options: { reason?: string; expectedVersion?: number }, command) => {
      const session = sessionOf(rt, command);
      const body = {
        ...(options.reason !== undefined ? { reason: options.reason } : {}),
        ...(options.expectedVersion !== undefined ? { expectedVersion: options.expectedVersion } : {}),
      };
      const answer = dataOf(await postStatusAction(session.api, verb, ref, body));
      session.printOne(machineView(), answer);
    });
  }
}

function postStatusAction(
  api: ApiClient,
  verb: StatusVerb,
  ref: string,
  body: { reason?: string; expectedVersion?: number },
) {
  const path = machinePath(ref);
  switch (verb) {
    case "maintenance":
      return api.POST("/v1/machines/{machineId}/maintenance", {
        ...path,
        body: { reason: body.reason ?? "", ...body },
      });
    case "fault":
      return api.POST("/v1/machines/{machineId}/fault", {
        ...path,
        body: { reason: body.reason ?? "", ...body },
      });
    case "restore":
      return api.POST("/v1/machines/{machineId}/restore", { ...path, body });
    case "archive":
      return api.POST("/v1/machines/{machineId}/archive", { ...path, body });
  }
}
