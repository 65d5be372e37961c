/**
 * The control plane as `npm start` runs it (`node <CONTROL_PLANE_NODE_FLAGS>
 * --import tsx functions/node.ts`), as a child process for tests that need
 * the real entry point: its environment is only what the test gives (plus
 * PATH and HOME), so a developer's DATABASE_URL or Upstash settings never
 * leak in. Every process started here is SIGKILLed by `killNodeServers`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { CONTROL_PLANE_NODE_FLAGS } from "../../functions/node-flags.ts";
import { closedPort } from "./closed-port.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const running = new Set<ChildProcess>();

export interface NodeServerProcess {
  child: ChildProcess;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  stdout(): string;
  stderr(): string;
  /** resolves with the exit code (null after a signal) */
  exited: Promise<number | null>;
}

/** Starts it on a free port (unless `env.PORT` says otherwise); does not wait for it to listen. */
export async function spawnNodeServer(env: Record<string, string>): Promise<NodeServerProcess> {
  const port = await closedPort();
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NODE_ENV: "production" };
  const child = spawn(
    process.execPath,
    [...CONTROL_PLANE_NODE_FLAGS, "--import", "tsx", "functions/node.ts"],
    {
      cwd: ROOT,
      env: { ...base, PORT: String(port), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  running.add(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  return { child, port, url: `http://127.0.0.1:${port}`, stdout: () => out, stderr: () => err, exited };
}

/** For afterAll: SIGKILLs every server still running and waits for them to go. */
export async function killNodeServers(): Promise<void> {
  const left = [...running];
  for (const child of left) child.kill("SIGKILL");
  await Promise.all(
    left.map((child) =>
      child.exitCode !== null || child.signalCode !== null
        ? undefined
        : new Promise((resolve) => child.once("exit", resolve)),
    ),
  );
}
