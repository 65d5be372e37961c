/**
 * HTTP robustness and rate limits against the real Node server (issue 12,
 * items 4 and 5), as a child process the way `npm start` runs it:
 * answers given before a body is read leave the connection usable, unread
 * bodies are never buffered before authentication, error answers are capped,
 * client aborts are not 500s, and the client address behind rate limits and
 * audit rows is the socket's (or trusted proxies'), not a header's.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawnNodeServer } from "../../support/node-server.ts";
import { createTestDatabase, requirePostgres, type TestDatabase } from "../../support/postgres.ts";

const pg = await requirePostgres();

interface Server {
  child: ChildProcess;
  base: string;
  port: number;
  token: string;
  output(): string;
  stop(): Promise<void>;
}

const cleanups: Array<() => Promise<void> | void> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function startServer(env: Record<string, string> = {}): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), "ksp-http-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const server = await spawnNodeServer({ KSP_DATA_DIR: dataDir, LOG_LEVEL: "info", ...env });
  const { child, port, url } = server;
  const output = () => server.stdout() + server.stderr();
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await server.exited;
  };
  cleanups.push(stop);
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited:\n${output()}`);
    const up = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const token = /KSP_BOOTSTRAP_ADMIN_TOKEN=(ksp_adm_[A-Za-z0-9_-]+)/.exec(output())?.[1];
  if (!token) throw new Error(`no admin token printed:\n${output()}`);
  return { child, base: url, port, token, output, stop };
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Status, or the client-side error code (UND_ERR_SOCKET, EPIPE, …) when the request failed. */
async function statusOf(p: Promise<Response>): Promise<number | string> {
  try {
    const res = await p;
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    return cause?.code ?? String(err);
  }
}

describe("Node entry: answers before the body is read", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  }, 120_000);

  it("a keep-alive client sends a 2 MB body, a bad token and a wrong method, then ten normal requests: all ten answered", async () => {
    const json = { "content-type": "application/json" };
    const first = await Promise.all([
      statusOf(
        fetch(`${server.base}/v1/clusters`, {
          method: "POST",
          headers: { ...json, authorization: `Bearer ${server.token}` },
          body: "x".repeat(2 * 1024 * 1024),
        }),
      ),
    ]);
    const second = await statusOf(
      fetch(`${server.base}/v1/clusters`, {
        method: "POST",
        headers: { ...json, authorization: "Bearer ksp_api_not-a-real-token" },
        body: JSON.stringify({ name: "x".repeat(200_000) }),
      }),
    );
    const third = await statusOf(
      fetch(`${server.base}/healthz`, { method: "PUT", body: "y".repeat(500_000) }),
    );
    expect([...first, second, third]).toEqual([413, 401, 405]);
    const ten: Array<number | string> = [];
    for (let i = 0; i < 10; i++) {
      ten.push(
        await statusOf(
          fetch(`${server.base}/v1/clusters`, { headers: { authorization: `Bearer ${server.token}` } }),
        ),
      );
    }
    expect(ten).toEqual(Array(10).fill(200));
  });

  it("keeps the connection after a small unread body (drained, not closed)", async () => {
    const res = await fetch(`${server.base}/v1/clusters`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer nope" },
      body: JSON.stringify({ name: "small" }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("connection")).not.toBe("close");
    const big = await fetch(`${server.base}/healthz`, { method: "POST", body: "z".repeat(1024 * 1024) });
    expect(big.status).toBe(405);
    expect(big.headers.get("connection")).toBe("close");
  });

  it("caps an error answer that echoes a 13.5 MB CSV header", async () => {
    const res = await fetch(`${server.base}/v1/machines/import`, {
      method: "POST",
      headers: { "content-type": "text/csv", authorization: `Bearer ${server.token}` },
      body: `${"h".repeat(13_500_000)}\nvalue\n`,
    });
    const text = await res.text();
    expect(res.status).toBe(400);
    expect(text.length).toBeLessThan(16 * 1024);
    expect(JSON.parse(text).error.code).toBe("validation_failed");
  }, 60_000);

  it("logs a client that aborts its upload as 'client aborted', not as a 500", async () => {
    const requestId = `abort-${crypto.randomUUID()}`;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(server.port, "127.0.0.1", () => {
        socket.write(
          [
            "POST /v1/machines/import HTTP/1.1",
            `Host: 127.0.0.1:${server.port}`,
            `Authorization: Bearer ${server.token}`,
            "Content-Type: text/csv",
            "Content-Length: 5000000",
            `X-Request-Id: ${requestId}`,
            "",
            "",
          ].join("\r\n"),
        );
        socket.write("address,user\n10.0.0.1,root\n");
        setTimeout(() => {
          socket.destroy();
          resolve();
        }, 300);
      });
      socket.on("error", reject);
    });
    const deadline = Date.now() + 5_000;
    const mine = () =>
      server
        .output()
        .split("\n")
        .filter((l) => l.includes(requestId));
    while (Date.now() < deadline && !mine().some((l) => l.includes('"request"'))) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const lines = mine();
    expect(lines.some((l) => l.includes("client aborted"))).toBe(true);
    expect(lines.some((l) => l.includes("unhandled error"))).toBe(false);
    const access = lines
      .map((l) => JSON.parse(l))
      .find((l) => l.msg === "request" || l.message === "request");
    expect(access?.status).toBe(499);
  });
});

describe("Node entry: rate limits by the socket's address", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  }, 120_000);

  it("limits failed bearer tokens per address; rotating X-Forwarded-For does not help", async () => {
    const statuses: Array<number | string> = [];
    for (let i = 0; i < 25; i++) {
      statuses.push(
        await statusOf(
          fetch(`${server.base}/v1/clusters`, {
            headers: { authorization: `Bearer bogus-${i}`, "x-forwarded-for": `198.51.100.${i}` },
          }),
        ),
      );
    }
    expect(statuses.slice(0, 20)).toEqual(Array(20).fill(401));
    expect(statuses.slice(20)).toEqual(Array(5).fill(429));
    const limited = await fetch(`${server.base}/v1/clusters`, { headers: { authorization: "Bearer bogus" } });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // a valid token from the same address is not locked out by someone else's failures
    const ok = await fetch(`${server.base}/v1/clusters`, {
      headers: { authorization: `Bearer ${server.token}` },
    });
    expect(ok.status).toBe(200);
  });

  it("audits the socket's address, not a spoofed X-Forwarded-For", async () => {
    const requestId = `spoof-${crypto.randomUUID()}`;
    const created = await fetch(`${server.base}/v1/clusters`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${server.token}`,
        "x-forwarded-for": "203.0.113.66",
        "x-request-id": requestId,
      },
      body: JSON.stringify({ name: `spoof-${crypto.randomUUID().slice(0, 8)}` }),
    });
    expect(created.status).toBe(201);
    const page = (await (
      await fetch(`${server.base}/v1/audit?requestId=${requestId}`, {
        headers: { authorization: `Bearer ${server.token}` },
      })
    ).json()) as { items: Array<{ ip: string | null }> };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]?.ip).toBe("127.0.0.1");
  });
});

describe("Node entry: registration limits behind a trusted proxy", () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer({ KSP_TRUSTED_PROXIES: "1" });
  }, 120_000);

  const register = (from: string, body: Record<string, unknown>) =>
    fetch(`${server.base}/v1/agent/register`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": `10.9.9.9, ${from}` },
      body: JSON.stringify({ agentVersion: "0.2.0", kubernetesVersion: "v1.32.0", ...body }),
    });

  it("bogus registrations from one address are limited there and do not lock out another", async () => {
    const created = await fetch(`${server.base}/v1/clusters`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${server.token}` },
      body: JSON.stringify({ name: "real-one" }),
    });
    expect(created.status).toBe(201);
    const { registrationToken } = (await created.json()) as { registrationToken: string };
    expect(registrationToken).toBeTruthy();

    const bogus: number[] = [];
    for (let i = 0; i < 20; i++) {
      bogus.push((await register("203.0.113.10", { registrationToken: `ksp_reg_bogus${i}` })).status);
    }
    expect(bogus.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(bogus.slice(10)).toEqual(Array(10).fill(429));

    const real = await register("198.51.100.20", { registrationToken, clusterName: "real-one" });
    expect(real.status).toBe(201);
  });

  it("limits attempts naming one cluster, whatever their address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const res = await register(`192.0.2.${i}`, {
        registrationToken: "ksp_reg_bogus",
        clusterName: "target",
      });
      statuses.push(res.status);
    }
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(401));
    expect(statuses.slice(30)).toEqual([429, 429]);
  });
});

describe.skipIf(!pg)("Node entry: memory while refusing unauthenticated uploads", () => {
  let server: Server;
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    cleanups.push(() => db.drop());
    server = await startServer({ DATABASE_URL: db.url });
  }, 120_000);

  it("stays under 150 MB while 20 unauthenticated 15 MB uploads are refused", async () => {
    const pid = server.child.pid!;
    const before = rssMiB(pid);
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, rssMiB(pid));
    }, 10);
    const body = Buffer.alloc(15 * 1024 * 1024, 0x61);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, () =>
          statusOf(
            fetch(`${server.base}/v1/machines/import`, {
              method: "POST",
              headers: { "content-type": "text/csv" },
              body,
            }),
          ),
        ),
      );
      expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    } finally {
      clearInterval(sampler);
    }
    peak = Math.max(peak, rssMiB(pid));
    console.log(`[node-http-robustness] RSS ${before.toFixed(1)} MiB before, peak ${peak.toFixed(1)} MiB`);
    expect(peak).toBeLessThan(150);
  }, 60_000);
});
