/**
 * The real `ksp` executable (the package bin, cli/bin.js) as a child process,
 * against a real control plane: the app of test/support/api.ts (Postgres)
 * served over HTTP on a free port. Each run gets only the environment the
 * test gives, plus PATH and a HOME of its own, so a developer's KSP_* settings
 * or config file never leak in.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { serve } from "@hono/node-server";
import { startTestApi, type TestApi } from "../api.ts";

const ROOT = join(import.meta.dirname, "..", "..", "..");
export const KSP_BIN = join(ROOT, "cli", "bin.js");

export interface KspRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KspOptions {
  env?: Record<string, string>;
  /** written to stdin, then closed */
  input?: string;
  /** called with the child once it has printed this much stdout (e.g. to change state or send SIGINT) */
  onStdout?: (stdout: string, child: import("node:child_process").ChildProcess) => void;
  timeoutMs?: number;
}

export function spawnKsp(args: readonly string[], options: KspOptions = {}): Promise<KspRun> {
  const home = mkdtempSync(join(tmpdir(), "ksp-home-"));
  const child = spawn(process.execPath, [KSP_BIN, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: home, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    options.onStdout?.(stdout, child);
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdin.end(options.input ?? "");
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 20_000);
  return new Promise((resolve) =>
    child.once("close", (code) => {
      clearTimeout(timer);
      rmSync(home, { recursive: true, force: true });
      resolve({ code, stdout, stderr });
    }),
  );
}

export interface CliControlPlane {
  api: TestApi;
  url: string;
  close(): Promise<void>;
}

/** `options` as startTestApi takes them (e.g. an encryption keyring). */
export async function startCliControlPlane(
  options: Parameters<typeof startTestApi>[0] = {},
): Promise<CliControlPlane> {
  const api = await startTestApi(options);
  const server = await new Promise<Server>((resolve) => {
    const s = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
  });
  return {
    api,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}
