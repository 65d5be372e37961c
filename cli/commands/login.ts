/**
 * `ksp login` and `ksp config get-contexts|use-context|current-context|
 * delete-context`: the contexts of the config file (cli/config-file.ts).
 * The token is read from stdin (--token-stdin), KSP_TOKEN or --token, or
 * asked for on the terminal without echo; it is never printed, and never
 * taken from a URL.
 */
import { statSync } from "node:fs";
import type { Command } from "commander";
import { CliError, createApiClient, usageError } from "../api.ts";
import { type GlobalOptions, normalizeBaseUrl } from "../config.ts";
import {
  type ContextEntry,
  configPath,
  readConfigFile,
  tooOpen,
  withContext,
  writeConfigFile,
} from "../config-file.ts";
import { EXIT_FAILURE } from "../exit-codes.ts";
import { formatError, renderJson, renderTable, renderYaml } from "../output.ts";
import { printOptionsOf, type Runtime } from "../runtime.ts";
import { fetchSelf, identityText } from "./whoami.ts";

function defaultContextName(url: string): string {
  return new URL(url).host;
}

function wasTooOpen(path: string): boolean {
  try {
    return tooOpen(statSync(path).mode);
  } catch {
    return false;
  }
}

export function registerLoginCommands(program: Command, rt: Runtime): void {
  program
    .command("login")
    .description(
      "Save a control plane URL and API token as a context of the config file, and make it current",
    )
    .option("--token-stdin", "read the token from stdin (e.g. from a secret manager)")
    .option("--no-verify", "save without asking the control plane whether the token works")
    .addHelpText(
      "after",
      "\nUse the global --url and --context: ksp login --url https://ksp.example.net --context prod --token-stdin\n" +
        "Without --token-stdin (or KSP_TOKEN) the token is asked for on the terminal, not echoed.\n" +
        "The config file ($KSP_CONFIG, else $XDG_CONFIG_HOME/ksp/config.yaml, else ~/.config/ksp/config.yaml)\n" +
        "is written with mode 0600; a file others could read is repaired.",
    )
    .action(async (options: { tokenStdin?: boolean; verify: boolean }, cmd: Command) => {
      const { deps } = rt;
      const globals = cmd.optsWithGlobals<GlobalOptions>();
      const rawUrl = globals.url || deps.env.KSP_URL;
      if (!rawUrl) throw usageError("give the control plane URL: ksp login --url URL");
      const url = normalizeBaseUrl(rawUrl, globals.url ? "--url" : "KSP_URL");
      let token: string | null;
      if (options.tokenStdin) token = (await deps.readStdin()).trim();
      else token = globals.token || deps.env.KSP_TOKEN || (await deps.promptSecret(`API token for ${url}: `));
      if (token === null) throw usageError("no terminal to ask for the token on: give --token-stdin");
      token = token.trim();
      if (token === "") throw usageError("the token is empty");
      // Any API token may read itself: a bad token is a 401 here rather than on the next command,
      // and a good one tells whom it signs in as.
      const self = options.verify ? await fetchSelf(createApiClient({ url, token }, deps.fetch)) : null;
      const path = configPath(deps.env);
      const repaired = wasTooOpen(path);
      const name = globals.context ?? defaultContextName(url);
      const config = withContext(readConfigFile(path, { allowOpen: true }), { name, url, token });
      writeConfigFile(path, { ...config, currentContext: name });
      const who = self ? ` as ${identityText(self)}` : " (token not verified)";
      deps.stderr(
        `Logged in to ${url}${who}, context "${name}" (${path})${repaired ? "; its mode was too open and is now 0600" : ""}\n`,
      );
    });

  const config = program
    .command("config")
    .description("The contexts of the config file (like kubectl config)");

  config
    .command("get-contexts")
    .description("List the contexts (never their tokens)")
    .action((_options, cmd: Command) => {
      const path = configPath(rt.deps.env);
      const file = readConfigFile(path);
      const { output, noHeaders } = printOptionsOf(cmd);
      const rows = file.contexts.map((c: ContextEntry) => ({
        name: c.name,
        url: c.url,
        current: c.name === file.currentContext,
        hasToken: Boolean(c.token),
      }));
      if (output === "json") rt.deps.stdout(renderJson(rows));
      else if (output === "yaml") rt.deps.stdout(renderYaml(rows));
      else if (output === "name") rt.deps.stdout(rows.map((r) => `context/${r.name}\n`).join(""));
      else
        rt.deps.stdout(
          renderTable(
            noHeaders ? null : ["CURRENT", "NAME", "URL", "TOKEN"],
            rows.map((r) => [r.current ? "*" : "", r.name, r.url, r.hasToken ? "set" : "<none>"]),
          ),
        );
    });

  config
    .command("current-context")
    .description("Print the current context's name")
    .action(() => {
      const file = readConfigFile(configPath(rt.deps.env));
      if (!file.currentContext)
        throw new CliError(formatError("no current context; run ksp login"), { exitCode: EXIT_FAILURE });
      rt.deps.stdout(`${file.currentContext}\n`);
    });

  config
    .command("use-context")
    .argument("<name>", "the context to make current")
    .description("Make a context the current one")
    .action((name: string) => {
      const path = configPath(rt.deps.env);
      const file = readConfigFile(path, { allowOpen: true });
      if (!file.contexts.some((c) => c.name === name)) throw usageError(`no context named "${name}"`);
      writeConfigFile(path, { ...file, currentContext: name });
      rt.deps.stderr(`Switched to context "${name}"\n`);
    });

  config
    .command("delete-context")
    .argument("<name>", "the context to delete (its token is removed from the file)")
    .description("Delete a context")
    .action((name: string) => {
      const path = configPath(rt.deps.env);
      const file = readConfigFile(path, { allowOpen: true });
      if (!file.contexts.some((c) => c.name === name)) throw usageError(`no context named "${name}"`);
      writeConfigFile(path, {
        currentContext: file.currentContext === name ? null : file.currentContext,
        contexts: file.contexts.filter((c) => c.name !== name),
      });
      rt.deps.stderr(`Deleted context "${name}"\n`);
    });
}
