/**
 * The CLI's global settings: where the control plane is, how to authenticate,
 * how to print. Flags win over environment variables.
 */
import { OUTPUT_FORMATS, type OutputFormat } from "./output.ts";

export const DEFAULT_URL = "http://127.0.0.1:8787";

export interface CliConfig {
  /** Base URL without a trailing slash. */
  url: string;
  token: string | null;
  output: OutputFormat;
}

export interface GlobalFlagValues {
  url?: string;
  token?: string;
  output?: string;
}

export type CliConfigResult = { ok: true; config: CliConfig } | { ok: false; error: string };

export function resolveCliConfig(
  flags: GlobalFlagValues,
  env: Readonly<Record<string, string | undefined>>,
): CliConfigResult {
  const url = flags.url || env.KSP_URL || DEFAULT_URL;
  const parsed = URL.canParse(url) ? new URL(url) : null;
  if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:")) {
    return { ok: false, error: "--url: must be an http(s) URL" };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, error: "--url: must not contain credentials; use --token or KSP_TOKEN" };
  }
  const output = flags.output ?? "table";
  if (!OUTPUT_FORMATS.includes(output as OutputFormat)) {
    return { ok: false, error: `--output: must be one of ${OUTPUT_FORMATS.join(", ")}` };
  }
  const token = flags.token || env.KSP_TOKEN || null;
  return { ok: true, config: { url: url.replace(/\/+$/, ""), token, output: output as OutputFormat } };
}
