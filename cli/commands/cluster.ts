/**
 * `ksp cluster list|get|create|update|delete|rotate-token|set-kubeconfig|remove-kubeconfig`. A cluster is
 * named by UUID or by name (the API resolves names within the token's
 * cluster scope).
 */
import { type Command, Option } from "commander";
import { dataOf, type Schema } from "../api.ts";
import { bodyOf, collect, labelsOf, pathRef, SET_HELP, type SetOptions } from "../args.ts";
import { type ListOptions, withListOptions, withSelector, withSetOptions } from "../options.ts";
import { renderFields } from "../output.ts";
import { type Runtime, type Session, sessionOf } from "../runtime.ts";
import { listOrWatch } from "../watch.ts";
import {
  KUBECONFIG_HELP,
  readKubeconfigFile,
  registerClusterKubeconfigCommands,
} from "./cluster-kubeconfig.ts";
import {
  type ClusterListOptions,
  clusterFields,
  clusterListQuery,
  clusterView,
  listClusters,
  withClusterListFilters,
} from "./cluster-view.ts";

// the rendering and the list's filters live in cluster-view.ts
export { type Cluster, clusterFields, clusterView, listClusters } from "./cluster-view.ts";

type ClusterUpdate = Schema<"UpdateClusterRequest">;
type ClusterCreate = Schema<"CreateClusterRequest">;

/** Every field PATCH /v1/clusters/{clusterId} takes; `satisfies` keeps the list equal to the schema's. */
const UPDATE_FIELDS = Object.keys({
  description: true,
  labels: true,
} satisfies Record<keyof ClusterUpdate, true>);

const CREATE_FIELDS = Object.keys({
  name: true,
  description: true,
  labels: true,
  mode: true,
  kubeconfig: true,
} satisfies Record<keyof ClusterCreate, true>);

const ACCESS_MODES = ["agent", "kubeconfig"] as const;

interface CreateOptions extends SetOptions {
  description?: string;
  label?: string[];
  /** a file, or - for stdin */
  kubeconfig?: string;
  mode?: (typeof ACCESS_MODES)[number];
}

function clusterPath(ref: string) {
  return { params: { path: { clusterId: pathRef(ref, "the cluster") } } };
}

export function registerClusterCommands(program: Command, rt: Runtime): void {
  const cluster = program.command("cluster").description("Kubernetes clusters the agent runs in");

  withClusterListFilters(withListOptions(withSelector(cluster.command("list").alias("ls"), "clusters")))
    .description("List clusters (agent and kubeconfig ones) with health, API server status and versions")
    .action(async (options: ListOptions & ClusterListOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const query = clusterListQuery(options);
      await listOrWatch(session, clusterView, () => listClusters(session.api, query, options.limit), options);
    });

  cluster
    .command("get")
    .argument("<cluster>", "id or name")
    .description("Show a cluster")
    .action(async (ref: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const found = dataOf(await session.api.GET("/v1/clusters/{clusterId}", clusterPath(ref)));
      session.printOne(clusterView, found);
    });

  withSetOptions(
    cluster
      .command("create")
      .argument("<name>", "the cluster's name")
      .description(
        "Create a cluster: prints its one-time registration token for the agent, or imports a kubeconfig",
      )
      .option("--description <text>", "what the cluster is for")
      .option("--label <KEY=VALUE>", "a cluster label, repeatable", collect)
      .option("--kubeconfig <file>", "import this kubeconfig (YAML or base64 of it; - for stdin)")
      .addOption(
        new Option(
          "--mode <mode>",
          "agent: a registration token (with --kubeconfig: both); kubeconfig: the kubeconfig only " +
            "(default: kubeconfig when --kubeconfig is given, else agent)",
        ).choices(ACCESS_MODES),
      ),
  )
    .addHelpText("after", `\n${SET_HELP}\nFields: ${CREATE_FIELDS.join(", ")}.\n\n${KUBECONFIG_HELP}`)
    .action(async (name: string, options: CreateOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      const labels = labelsOf(options.label);
      const kubeconfig =
        options.kubeconfig === undefined ? undefined : await readKubeconfigFile(session, options.kubeconfig);
      const mode = options.mode ?? (kubeconfig === undefined ? undefined : "kubeconfig");
      const body = bodyOf(options, CREATE_FIELDS, {
        name,
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(labels ? { labels } : {}),
        ...(mode !== undefined ? { mode } : {}),
        ...(kubeconfig !== undefined ? { kubeconfig } : {}),
      }) as ClusterCreate;
      const created = dataOf(await session.api.POST("/v1/clusters", { body }));
      const { registrationToken, registrationTokenExpiresAt } = created;
      const imported = created.cluster.kubeconfig;
      session.printAnswer("cluster", created.cluster.name, created, () =>
        renderFields([
          ...clusterFields(created.cluster).slice(0, 2),
          ...(imported ? [["Kubeconfig", `${imported.server} (${imported.authKind})`] as const] : []),
          ...(registrationToken !== null
            ? [
                ["Registration token", registrationToken] as const,
                ["Token expires", registrationTokenExpiresAt] as const,
              ]
            : []),
        ]),
      );
      session.deps.stderr(
        registrationToken !== null
          ? "The registration token is shown once: give it to the agent (KSP_REGISTRATION_TOKEN).\n"
          : `No registration token: to add an agent later, run ksp cluster rotate-token ${created.cluster.name}\n`,
      );
    });

  withSetOptions(
    cluster
      .command("update")
      .argument("<cluster>", "id or name")
      .description("Change a cluster's description or labels"),
  )
    .addHelpText(
      "after",
      `\n${SET_HELP}\nFields: ${UPDATE_FIELDS.join(", ")} (labels are replaced as a whole).\n` +
        `Example: ksp cluster update demo --set description="EU workers" --set 'labels={"env":"prod"}'`,
    )
    .action(async (ref: string, options: SetOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      // The API validates every value; the CLI only builds the object.
      const body = bodyOf(options, UPDATE_FIELDS, {}, { requireChange: true }) as ClusterUpdate;
      const updated = dataOf(
        await session.api.PATCH("/v1/clusters/{clusterId}", { ...clusterPath(ref), body }),
      );
      session.printOne(clusterView, updated);
    });

  cluster
    .command("delete")
    .argument("<cluster>", "id or name")
    .description("Delete a cluster; its machines return to the free inventory")
    .option("--force", "delete even while machines are still in use (they are marked fault)")
    .action(async (ref: string, options: { force?: boolean }, cmd) => {
      const session = sessionOf(rt, cmd);
      const deleted = dataOf(
        await session.api.DELETE("/v1/clusters/{clusterId}", {
          params: { path: clusterPath(ref).params.path, query: options.force ? { force: "true" } : {} },
        }),
      );
      printDeleted(session, "cluster", deleted.name, deleted);
    });

  cluster
    .command("rotate-token")
    .argument("<cluster>", "id or name")
    .description("Issue a new one-time registration token; the previous one stops working")
    .action(async (ref: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const rotated = dataOf(
        await session.api.POST("/v1/clusters/{clusterId}/registration-token", clusterPath(ref)),
      );
      session.printAnswer("cluster", ref, rotated, () =>
        renderFields([
          ["Cluster ID", rotated.clusterId],
          ["Registration token", rotated.registrationToken],
          ["Token expires", rotated.registrationTokenExpiresAt],
        ]),
      );
    });

  registerClusterKubeconfigCommands(cluster, rt);
}

/** What a delete prints: `cluster "x" deleted`, or the API's answer. */
export function printDeleted(session: Session, kind: string, name: string, answer: unknown): void {
  session.printAnswer(kind, name, answer, () => `${kind} "${name}" deleted\n`);
}
