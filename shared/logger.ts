/**
 * The JSON-lines logger both sides use: one JSON object per line, every
 * record passed through maskSecrets before it is written, so a careless
 * `log.info("x", { headers })` cannot leak a credential.
 */
import { maskSecrets } from "./mask-secrets.ts";

export type LogLevel = "debug" | "info" | "warn" | "error";
/** Least to most severe. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  /** a logger that adds `fields` to every line */
  child(fields: Record<string, unknown>): Logger;
  /** whether a line at `level` would be written: lets hot paths skip building fields nobody reads */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  /** lines below this level are dropped; default info */
  level?: LogLevel;
  /** Where lines go; defaults to console.log, which the Workers runtime captures and Node writes to stdout. */
  sink?: (line: string) => void;
  /** fields on every line */
  base?: Record<string, unknown>;
  /** the `ts` of each line */
  now?: () => Date;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const min = LOG_LEVELS.indexOf(options.level ?? "info");
  const sink = options.sink ?? ((line: string) => console.log(line));
  const now = options.now ?? (() => new Date());
  const base = options.base ?? {};
  const enabled = (level: LogLevel) => LOG_LEVELS.indexOf(level) >= min;
  const write = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (!enabled(level)) return;
    sink(JSON.stringify(maskSecrets({ ts: now().toISOString(), level, msg, ...base, ...fields })));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...options, base: { ...base, ...fields } }),
    enabled,
  };
}

/** A logger that keeps its (masked) records in memory; for tests. */
export function createMemoryLogger(level: LogLevel = "debug"): Logger & { lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger({ level, sink: (line) => lines.push(JSON.parse(line)) });
  return Object.assign(logger, { lines });
}
