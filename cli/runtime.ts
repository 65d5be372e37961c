/**
 * What every command's action works with: the process around it (env, fetch,
 * output, stdin, terminal), and for commands that talk to the control plane a
 * session (the resolved config and the typed client).
 */
import type { Command } from "commander";
import { type ApiClient, createApiClient, type Fetch } from "./api.ts";
import { type CliConfig, type GlobalOptions, resolveCliConfig } from "./config.ts";
import { configPath, type Env, readConfigFile } from "./config-file.ts";
import type { CliIo } from "./output.ts";
import { type PrintOptions, type ResourceView, renderList, renderOne } from "./render.ts";

export interface CliDeps extends CliIo {
  env: Env;
  fetch: Fetch;
  /** All of stdin as text (--token-stdin, `--file -`). */
  readStdin(): Promise<string>;
  /** Asks for a secret on the terminal without echoing it; null when there is no terminal to ask on. */
  promptSecret(question: string): Promise<string | null>;
  /** The terminal stderr is, or null: progress bars are drawn only on a terminal. */
  progressStream: NodeJS.WritableStream | null;
  /** A signal aborted by the first SIGINT from now on (for --watch and waits, which then stop cleanly). */
  onInterrupt(): AbortSignal;
  /** Waits, or stops early when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  now(): number;
}

export interface Runtime {
  deps: CliDeps;
  exitCode: number;
}

export interface Session {
  config: CliConfig;
  api: ApiClient;
  deps: CliDeps;
  printList<T>(view: ResourceView<T>, items: readonly T[]): void;
  printOne<T>(view: ResourceView<T>, item: T): void;
  /** An answer that is not one of the listed kinds: JSON/YAML as it came, `kind/name`, or `table` text. */
  printAnswer(kind: string, name: string, answer: unknown, table: () => string): void;
}

/** Whether the output is for people (table, wide) rather than scripts. */
export function forPeople(config: PrintOptions): boolean {
  return config.output === "table" || config.output === "wide";
}

export function printOptionsOf(cmd: Command): PrintOptions {
  const options = cmd.optsWithGlobals<GlobalOptions>();
  return {
    output: (options.output ?? "table") as PrintOptions["output"],
    noHeaders: options.headers === false,
  };
}

export function sessionOf(rt: Runtime, cmd: Command): Session {
  const { deps } = rt;
  const config = resolveCliConfig(cmd.optsWithGlobals<GlobalOptions>(), deps.env, () =>
    readConfigFile(configPath(deps.env)),
  );
  return {
    config,
    api: createApiClient(config, deps.fetch),
    deps,
    printList(view, items) {
      if (items.length === 0 && (config.output === "table" || config.output === "wide")) {
        deps.stderr("No resources found.\n");
        return;
      }
      deps.stdout(renderList(view, items, config));
    },
    printOne(view, item) {
      deps.stdout(renderOne(view, item, config));
    },
    printAnswer(kind, name, answer, table) {
      if (forPeople(config)) deps.stdout(table());
      else deps.stdout(renderOne({ kind, name: () => name, columns: [] }, answer, config));
    },
  };
}
