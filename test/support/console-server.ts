/**
 * The control plane exactly as `npm install && npm start` runs it (test/support/node-server.ts),
 * serving the built dist/static at /ui and /docs, for browser tests of the served pages. Its data
 * lives in a throw-away PGlite directory, or where `env.DATABASE_URL` says (e.g. a createTestDatabase()
 * URL). Call ensureConsoleBuilt() first.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NodeServerProcess, spawnNodeServer } from "./node-server.ts";

const UP_WITHIN_MS = 90_000;

export interface ServedControlPlane {
  server: NodeServerProcess;
  /** http://127.0.0.1:<port> */
  url: string;
  /** the bootstrap admin token it printed */
  adminToken: string;
  output(): string;
  stop(): Promise<void>;
}

export async function startServedControlPlane(env: Record<string, string> = {}): Promise<ServedControlPlane> {
  const dataDir = mkdtempSync(join(tmpdir(), "ksp-console-"));
  const server = await spawnNodeServer({ KSP_DATA_DIR: dataDir, ...env });
  const output = () => `${server.stdout()}${server.stderr()}`;
  const stop = async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  let exited = false;
  void server.exited.then(() => {
    exited = true;
  });
  const deadline = Date.now() + UP_WITHIN_MS;
  for (;;) {
    const up = await fetch(`${server.url}/healthz`).then(
      (res) => res.ok,
      () => false,
    );
    if (up) break;
    if (exited || Date.now() > deadline) {
      await stop();
      throw new Error(`the control plane did not come up (exited: ${exited}):\n${output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const adminToken = /KSP_BOOTSTRAP_ADMIN_TOKEN=(ksp_adm_[A-Za-z0-9_-]+)/.exec(output())?.[1];
  if (!adminToken) {
    await stop();
    throw new Error(`the control plane printed no bootstrap admin token:\n${output()}`);
  }
  return { server, url: server.url, adminToken, output, stop };
}
