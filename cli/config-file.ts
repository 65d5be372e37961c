/**
 * The kubectl-like config file `ksp login` writes: several contexts (a control
 * plane URL and the API token for it), one of them current.
 *
 *   current-context: prod
 *   contexts:
 *     - name: prod
 *       url: https://ksp.example.net
 *       token: ksp_api_…
 *
 * It holds tokens, so it is written with mode 0600 (its directory 0700), and a
 * file others may read is refused until `chmod 600` or `ksp login` repairs it.
 * Where: $KSP_CONFIG, else $XDG_CONFIG_HOME/ksp/config.yaml, else
 * ~/.config/ksp/config.yaml.
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { z } from "zod";
import { CliError } from "./api.ts";
import { formatError } from "./output.ts";

export interface ContextEntry {
  name: string;
  url: string;
  token?: string | undefined;
}

export interface ConfigFile {
  currentContext: string | null;
  contexts: ContextEntry[];
}

const ContextSchema = z.object({
  name: z.string().min(1),
  url: z.string().min(1),
  token: z.string().min(1).optional(),
});

const FileSchema = z.object({
  "current-context": z.string().nullable().optional(),
  contexts: z.array(ContextSchema).optional(),
});

export type Env = Readonly<Record<string, string | undefined>>;

export function configPath(env: Env): string {
  if (env.KSP_CONFIG) return env.KSP_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), ".config");
  return join(base, "ksp", "config.yaml");
}

/** Group or world bits on a file that holds tokens. */
export function tooOpen(mode: number): boolean {
  return (mode & 0o077) !== 0;
}

function modeText(mode: number): string {
  return (mode & 0o777).toString(8).padStart(4, "0");
}

/** The file's contexts; an absent file is an empty config. `allowOpen` lets `ksp login` read a file it will repair. */
export function readConfigFile(path: string, options: { allowOpen?: boolean } = {}): ConfigFile {
  let text: string;
  try {
    const mode = statSync(path).mode;
    if (tooOpen(mode) && !options.allowOpen) {
      throw new CliError(
        formatError(
          `${path} holds API tokens but others may read it (mode ${modeText(mode)}); run chmod 600 ${path} or ksp login again`,
        ),
      );
    }
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { currentContext: null, contexts: [] };
    throw err;
  }
  let parsed: z.infer<typeof FileSchema>;
  try {
    parsed = FileSchema.parse(parseYaml(text) ?? {});
  } catch (err) {
    const why = err instanceof z.ZodError ? (err.issues[0]?.message ?? "invalid") : String(err);
    throw new CliError(formatError(`${path} is not a ksp config file (${why})`));
  }
  return { currentContext: parsed["current-context"] ?? null, contexts: parsed.contexts ?? [] };
}

/** Writes the config through a 0600 temporary file renamed over the old one, so no reader sees it half-written or open. */
export function writeConfigFile(path: string, config: ConfigFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const text = toYaml({
    "current-context": config.currentContext,
    contexts: config.contexts.map(({ name, url, token }) => ({ name, url, ...(token ? { token } : {}) })),
  });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
}

export function findContext(config: ConfigFile, name: string): ContextEntry | undefined {
  return config.contexts.find((context) => context.name === name);
}

/** The config with `entry` added or replacing the context of the same name. */
export function withContext(config: ConfigFile, entry: ContextEntry): ConfigFile {
  const others = config.contexts.filter((context) => context.name !== entry.name);
  return { ...config, contexts: [...others, entry] };
}
