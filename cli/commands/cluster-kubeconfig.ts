/**
 * `ksp cluster set-kubeconfig|remove-kubeconfig`, and reading the kubeconfig
 * file `ksp cluster create --kubeconfig` sends. The file is sent as it is
 * (YAML, or base64 of it): the control plane validates it, stores it
 * encrypted and never returns it, so the CLI never prints it either.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { CliError, dataOf } from "../api.ts";
import { pathRef } from "../args.ts";
import { type Runtime, type Session, sessionOf } from "../runtime.ts";
import { clusterView } from "./cluster-view.ts";

export const KUBECONFIG_HELP = [
  "The kubeconfig needs one usable context (its current-context, or its only one) and inline credentials:",
  "a token (e.g. a ServiceAccount's), client-certificate-data with client-key-data, or username and password.",
  "exec and auth-provider plugins and file paths are refused; make a self-contained one with",
  "  kubectl config view --raw --flatten --minify > cluster.kubeconfig",
  "It is stored encrypted and never shown again.",
].join("\n");

/** The kubeconfig file's text (`-`: stdin). */
export async function readKubeconfigFile(session: Session, file: string): Promise<string> {
  try {
    return file === "-" ? await session.deps.readStdin() : await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`error: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, {
      exitCode: 2,
    });
  }
}

function clusterPath(ref: string) {
  return { params: { path: { clusterId: pathRef(ref, "the cluster") } } };
}

export function registerClusterKubeconfigCommands(cluster: Command, rt: Runtime): void {
  cluster
    .command("set-kubeconfig")
    .argument("<cluster>", "id or name")
    .argument("<file>", "the kubeconfig (YAML or base64 of it; - for stdin)")
    .description("Import or replace a cluster's kubeconfig, for API server health checks")
    .addHelpText("after", `\n${KUBECONFIG_HELP}`)
    .action(async (ref: string, file: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      const kubeconfig = await readKubeconfigFile(session, file);
      const updated = dataOf(
        await session.api.PUT("/v1/clusters/{clusterId}/kubeconfig", {
          ...clusterPath(ref),
          body: { kubeconfig },
        }),
      );
      session.printOne(clusterView, updated);
    });

  cluster
    .command("remove-kubeconfig")
    .argument("<cluster>", "id or name")
    .description("Remove a cluster's kubeconfig; its API server is no longer checked (an agent stays)")
    .action(async (ref: string, _options, cmd) => {
      const session = sessionOf(rt, cmd);
      dataOf(await session.api.DELETE("/v1/clusters/{clusterId}/kubeconfig", clusterPath(ref)));
      session.printAnswer("cluster", ref, { cluster: ref, kubeconfig: null }, () => {
        return `cluster "${ref}" kubeconfig removed\n`;
      });
    });
}
