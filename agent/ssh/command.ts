/**
 * How a command line is run on the host. Every command runs under
 * `timeout -s KILL`, which kills the command's whole process group when the
 * deadline passes, so a timed-out command leaves nothing running behind it
 * even if our channel is already gone. `sudo -n` goes on the outside so the
 * killer has the rights to kill a root command, and never prompts (a missing
 * sudo rule fails at once instead of hanging). Each command carries a unique
 * marker so we can find and kill it from a second channel when the caller
 * gives up early (abort): OpenSSH refuses channel signals for root sessions.
 */
import { randomUUID } from "node:crypto";
import { SshError } from "./types.ts";

/** POSIX single quotes: the shell reads everything inside literally. */
export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Exit status of a command killed by SIGKILL, as a shell reports it. */
export const KILLED_EXIT = 137;
/** What GNU timeout returns when the command ran out of time but timeout itself survived. */
export const TIMEOUT_EXIT = 124;

export interface WrapOptions {
  timeoutMs: number;
  username: string;
  sudo?: boolean;
  /** from newMarker(); names this run in the host's process table */
  marker: string;
}

export const needsSudo = (username: string, sudo: boolean | undefined): boolean =>
  sudo === true && username !== "root";

export const newMarker = (): string => `ksp-exec-${randomUUID()}`;

/**
 * The command line sent over the channel. `exec` makes `timeout` the
 * session's own process, and `timeout` makes its process group the command's.
 * The marker is a no-op (`:`) in front of the command, visible to pgrep.
 */
export function wrapCommand(command: string, options: WrapOptions): string {
  if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
    throw new SshError("precondition", `timeoutMs must be a positive number, got ${options.timeoutMs}`);
  }
  const seconds = (Math.ceil(options.timeoutMs) / 1000).toFixed(3);
  const guarded = `timeout -s KILL ${seconds} sh -c ${shellQuote(`: ${options.marker}; ${command}`)}`;
  return needsSudo(options.username, options.sudo) ? `exec sudo -n -- ${guarded}` : `exec ${guarded}`;
}

/**
 * Kills the process group of every process carrying `marker` (the timeout's
 * group holds the whole command tree). "[k]sp-…" matches the marker but not
 * this command's own command line.
 */
export function killCommand(marker: string): string {
  const pattern = shellQuote(`[${marker[0]}]${marker.slice(1)}`);
  return `for pid in $(pgrep -f ${pattern}); do kill -s KILL -- "-$pid" 2>/dev/null; kill -s KILL "$pid" 2>/dev/null; done; true`;
}
