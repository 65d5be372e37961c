/**
 * Child processes of the sandbox. Each runs in its own process group (so a
 * terminal's Ctrl-C reaches only the sandbox, which then stops them in
 * order) and logs to its own file. `stop` sends SIGTERM to the whole group
 * (tsx runs the script in a grandchild), waits, and SIGKILLs what is left.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import net from "node:net";

const STOP_GRACE_MS = 10_000;

export interface SandboxChild {
  name: string;
  pid: number;
  logFile: string;
  /** resolves with the exit code (or signal) once the process ended */
  exited: Promise<string>;
  hasExited(): boolean;
  stop(): Promise<void>;
  /** SIGKILL to the whole group, no waiting */
  kill(): void;
  /** the last lines of its log, for error messages */
  logTail(lines?: number): string;
}

export function spawnChild(
  name: string,
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; logFile: string; cwd: string },
): SandboxChild {
  const log = openSync(options.logFile, "a");
  const child: ChildProcess = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  if (child.pid === undefined) throw new Error(`cannot start ${name}: ${command} did not spawn`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<string>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve(signal ?? `exit ${code}`);
    });
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  };
  return {
    name,
    pid,
    logFile: options.logFile,
    exited,
    hasExited: () => done,
    async stop() {
      signalGroup("SIGTERM");
      const timer = setTimeout(() => signalGroup("SIGKILL"), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
      // tsx's own child may outlive the wrapper for a moment; nothing of the group may remain.
      signalGroup("SIGKILL");
    },
    kill: () => signalGroup("SIGKILL"),
    logTail(lines = 20) {
      try {
        return readFileSync(options.logFile, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
      } catch {
        return "(no log)";
      }
    },
  };
}

/** A port free on 127.0.0.1 right now (the child binds it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until it resolves true; rejects with `what` after `timeoutMs` or when `child` dies. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  child?: SandboxChild,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child?.hasExited()) {
      throw new Error(`${child.name} exited while waiting for ${what}:\n${child.logTail()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${child ? `:\n${child.logTail()}` : ""}`,
  );
}
