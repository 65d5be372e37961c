/**
 * The agent's JSON-lines logger. The agent may not import functions/, so this
 * is its own small copy of the idea: one JSON object per line, and every field
 * whose name looks secret is masked before it is written, so a careless
 * `log.info("x", { config })` cannot leak the registration token or credential.
 */
export type LogLevel = "debug" | "info" | "warn" | "error";
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(fields: Record<string, unknown>): Logger;
  /** whether a line at `level` would be written: lets hot paths skip building fields nobody reads */
  enabled(level: LogLevel): boolean;
}

export const MASK = "****";
const SECRET_KEY = /(token|secret|password|passphrase|authorization|cookie|private_?key|credential)/i;
// Our tokens start with "ksp_<kind>_"; bearer values may also turn up inside error messages.
const SECRET_VALUE = /\b(ksp_[a-z]{2,5}_)[A-Za-z0-9_-]{8,}|\b(Bearer\s+)[^\s"']+/g;

// Keys such as `credentialFile` or `sshKeyDir` name where a secret lives, not the secret;
// operators need to see those paths in the logs.
const LOCATION_KEY = /(file|path|dir)$/i;

/**
 * Masks the scalar values of secret-looking keys, and token-looking substrings
 * anywhere (so a token pasted into an error message is caught too).
 */
export function maskSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === "string") return value.replace(SECRET_VALUE, (_m, p1, p2) => `${p1 ?? p2}${MASK}`);
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: maskSecrets(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const scalar = v !== null && v !== undefined && typeof v !== "object";
    const secret = SECRET_KEY.test(key) && !LOCATION_KEY.test(key);
    out[key] = secret && scalar ? MASK : maskSecrets(v, depth + 1);
  }
  return out;
}

export interface LoggerOptions {
  level?: LogLevel;
  sink?: (line: string) => void;
  base?: Record<string, unknown>;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const sink = options.sink ?? ((line: string) => process.stdout.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const base = options.base ?? {};
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (LOG_LEVELS.indexOf(level) < min) return;
    sink(JSON.stringify(maskSecrets({ ts: now().toISOString(), level, msg, ...base, ...fields })));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
    enabled: (level) => LOG_LEVELS.indexOf(level) >= min,
  };
}
