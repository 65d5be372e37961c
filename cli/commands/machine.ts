/**
 * `ksp machine get|update <id|hostname>`: one machine, addressed by UUID or
 * host name (the API resolves it within the token's cluster scope; a host
 * name several machines share is a 409 listing them).
 */
import { type ApiClient, dataOf, type Schema } from "../api.ts";
import { patchBodyOf, pathRef, SET_HELP, SET_OPTIONS, singleArg } from "../args.ts";
import { formatBytes, formatLabels } from "../output.ts";
import { type FieldList, showResource, when } from "./show.ts";
import type { Command } from "./types.ts";

type Machine = Schema<"Machine">;
type MachineUpdate = Schema<"MachineUpdate">;

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
    ["Last heartbeat", when(machine.lastHeartbeatAt)],
    ["Last error", machine.lastError],
    ["Created", machine.createdAt],
    ["Updated", machine.updatedAt],
  ];
}

function machinePath(ref: string) {
  return { params: { path: { machineId: pathRef(ref, "the machine") } } };
}

export async function fetchMachine(api: ApiClient, ref: string): Promise<Machine> {
  return dataOf(await api.GET("/v1/machines/{machineId}", machinePath(ref)));
}

export const machineGetCommand: Command = {
  words: ["machine", "get"],
  synopsis: "<id|hostname>",
  summary: "Show a machine",
  async run(ctx) {
    const machine = await fetchMachine(ctx.api, singleArg(ctx.args, "a machine id or host name"));
    return showResource(ctx, machine, machineFields);
  },
};

export const machineUpdateCommand: Command = {
  words: ["machine", "update"],
  synopsis: "<id|hostname> --set KEY=VALUE…",
  summary: "Change a machine's labels, tags, SSH access or location",
  options: SET_OPTIONS,
  help: [
    SET_HELP,
    `Fields: ${UPDATE_FIELDS.join(", ")} (labels and tags are replaced as a whole; null clears a field;`,
    "expectedVersion refuses the change unless the machine is still at that version).",
    `Example: ksp machine update node-17.example.net --set 'labels={"gpu":"a100"}' --set zone=eu-1a`,
  ].join("\n"),
  async run(ctx) {
    const ref = singleArg(ctx.args, "a machine id or host name");
    // The API validates every value; the CLI only builds the object.
    const body = patchBodyOf(ctx.flags, UPDATE_FIELDS) as MachineUpdate;
    const machine = dataOf(await ctx.api.PATCH("/v1/machines/{machineId}", { ...machinePath(ref), body }));
    return showResource(ctx, machine, machineFields);
  },
};
