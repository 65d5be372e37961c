/**
 * The CLI's settings for one run: which control plane, which token, how to
 * print. Flags win over the environment (KSP_URL, KSP_TOKEN), which wins over
 * the context of the config file (--context, else its current context).
 * A context's token goes only to that context's URL: pointing --url or
 * KSP_URL elsewhere never sends it there.
 */
import { type Connection, usageError } from "./api.ts";
import { type ConfigFile, type Env, findContext } from "./config-file.ts";
import { OUTPUT_FORMATS, type OutputFormat } from "./output.ts";
import type { PrintOptions } from "./render.ts";

export const DEFAULT_URL = "http://127.0.0.1:8787";

export interface GlobalOptions {
  url?: string;
  token?: string;
  context?: string;
  output?: string;
  /** false with --no-headers */
  headers?: boolean;
}

export interface CliConfig extends Connection, PrintOptions {
  /** The context the URL or token came from, if any. */
  contextName: string | null;
}

/**
 * A control plane base URL: http(s), no credentials, query or fragment (a
 * token is never taken from a URL), no trailing slash.
 */
export function normalizeBaseUrl(raw: string, what = "--url"): string {
  const parsed = URL.canParse(raw) ? new URL(raw) : null;
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    throw usageError(`${what}: must be an http(s) URL`);
  }
  if (parsed.username || parsed.password) {
    throw usageError(`${what}: must not contain credentials; use ksp login, KSP_TOKEN or --token`);
  }
  if (parsed.search || parsed.hash) {
    throw usageError(`${what}: must not have a query or fragment; a token is never taken from a URL`);
  }
  return raw.replace(/\/+$/, "");
}

export function outputFormatOf(raw: string | undefined): OutputFormat {
  const output = raw ?? "table";
  if (!OUTPUT_FORMATS.includes(output as OutputFormat)) {
    throw usageError(`--output: must be one of ${OUTPUT_FORMATS.join(", ")}`);
  }
  return output as OutputFormat;
}

export function resolveCliConfig(options: GlobalOptions, env: Env, readFile: () => ConfigFile): CliConfig {
  const output = outputFormatOf(options.output);
  const noHeaders = options.headers === false;
  const flagUrl = options.url || env.KSP_URL;
  const flagToken = options.token || env.KSP_TOKEN;
  // The file is read only when it can contribute: a script with KSP_URL and KSP_TOKEN never needs it.
  const needFile = options.context !== undefined || !flagUrl || !flagToken;
  const file = needFile ? readFile() : null;
  const contextName = options.context ?? file?.currentContext ?? null;
  const context = file && contextName ? findContext(file, contextName) : undefined;
  if (options.context !== undefined && !context) {
    throw usageError(`--context: no context named "${options.context}" (see ksp config get-contexts)`);
  }
  const source = options.url ? "--url" : env.KSP_URL ? "KSP_URL" : `context "${contextName}" url`;
  const url = normalizeBaseUrl(flagUrl || context?.url || DEFAULT_URL, source);
  const contextToken = context && normalizeBaseUrl(context.url) === url ? context.token : undefined;
  return {
    url,
    token: flagToken || contextToken || null,
    contextName: context ? context.name : null,
    output,
    noHeaders,
  };
}
