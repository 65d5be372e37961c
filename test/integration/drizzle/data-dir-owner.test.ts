/**
 * One owner per embedded data dir, with real processes as `npm start` runs
 * them (test/support/node-server.ts, see node-entry.test.ts): a
 * second server on the same KSP_DATA_DIR exits at once naming the first's
 * pid while the first keeps serving; after a kill -9 of the owner the next
 * start takes the stale lock over and finds every acknowledged write.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { generateToken } from "../../../functions/lib/tokens.ts";
import { killNodeServers, type NodeServerProcess, spawnNodeServer } from "../../support/node-server.ts";
import { recordUsage } from "../../support/usage.ts";

const READY_BUDGET_MS = 90_000;
const REFUSAL_BUDGET_MS = 5_000;

type Server = NodeServerProcess;

const dataDir = mkdtempSync(join(tmpdir(), "ksp-data-dir-owner-"));
const adminToken = generateToken("api");

afterAll(async () => {
  await killNodeServers();
  rmSync(dataDir, { recursive: true, force: true });
});

function startServer(): Promise<Server> {
  return spawnNodeServer({ KSP_DATA_DIR: dataDir, KSP_ADMIN_TOKEN: adminToken });
}

async function waitForReady(server: Server): Promise<void> {
  let exitCode: number | null | undefined;
  server.exited.then((code) => {
    exitCode = code;
  });
  const startedAt = Date.now();
  while (Date.now() - startedAt < READY_BUDGET_MS && exitCode === undefined) {
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/readyz`);
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `no /readyz 200 (exit ${exitCode})\nstdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`,
  );
}

function api(server: Server, path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`http://127.0.0.1:${server.port}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
  });
}

describe("one owner per embedded data dir", () => {
  it("refuses a second server, survives kill -9 of the owner with every acknowledged write", async () => {
    recordUsage("driver", "pglite");
    const a = await startServer();
    await waitForReady(a);
    const lockFile = join(dataDir, "ksp.lock");
    const lockBefore = readFileSync(lockFile, "utf8");
    expect(JSON.parse(lockBefore)).toMatchObject({ pid: a.child.pid });

    // B: same data dir, another port. Exits non-zero within 5 s, naming A's pid, touching nothing.
    const startedB = Date.now();
    const b = await startServer();
    const codeB = await Promise.race([
      b.exited,
      new Promise<"timeout">((r) => setTimeout(() => r("timeout"), REFUSAL_BUDGET_MS + 5_000)),
    ]);
    const tookB = Date.now() - startedB;
    console.log(`[data-dir-owner] second start refused after ${tookB} ms`);
    expect(codeB).toBe(1);
    expect(tookB).toBeLessThan(REFUSAL_BUDGET_MS);
    expect(b.stderr()).toBe(
      `ksp: cannot start: another ksp server (pid ${a.child.pid}, since ${JSON.parse(lockBefore).startedAt}) owns the data dir ${dataDir}; stop it, or set KSP_DATA_DIR to another directory\n`,
    );
    expect(b.stdout()).toBe("");
    expect(readFileSync(lockFile, "utf8")).toBe(lockBefore);

    // A keeps serving, and takes writes.
    expect((await fetch(`http://127.0.0.1:${a.port}/readyz`)).status).toBe(200);
    const names = ["owner-a-1", "owner-a-2", "owner-a-3"];
    for (const name of names) {
      const res = await api(a, "/v1/clusters", { method: "POST", body: JSON.stringify({ name }) });
      expect(res.status, await res.clone().text()).toBe(201);
    }

    // kill -9 right after the last acknowledgement: no shutdown, the lock file stays behind.
    a.child.kill("SIGKILL");
    await a.exited;
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ pid: a.child.pid });

    // C takes the stale lock over and finds every acknowledged write.
    const c = await startServer();
    await waitForReady(c);
    expect(JSON.parse(readFileSync(lockFile, "utf8"))).toMatchObject({ pid: c.child.pid });
    const res = await api(c, "/v1/clusters?limit=100");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { items: { name: string }[] };
    expect(body.items.map((i) => i.name)).toEqual(expect.arrayContaining(names));

    // A graceful stop releases the lock.
    c.child.kill("SIGTERM");
    expect(await c.exited).toBe(0);
    expect(() => readFileSync(lockFile)).toThrow(/ENOENT/);
  }, 240_000);
});
