import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { describe, expect, it } from "vitest";
import { type Readiness, startHealthServer } from "../../../agent/health.ts";
import { createLogger } from "../../../shared/logger.ts";

const silent = createLogger({ sink: () => {} });

describe("agent health server", () => {
  it("answers /healthz 200 and /readyz from the readiness check", async () => {
    let readiness: Readiness = { ready: false, reason: "not registered" };
    const server = await startHealthServer({
      listen: { host: "127.0.0.1", port: 0 },
      readiness: () => readiness,
      logger: silent,
    });
    try {
      const base = `http://127.0.0.1:${server.address.port}`;
      const healthz = await fetch(`${base}/healthz`);
      expect([healthz.status, await healthz.json()]).toEqual([200, { ok: true }]);
      const notReady = await fetch(`${base}/readyz`);
      expect([notReady.status, await notReady.json()]).toEqual([
        503,
        { ready: false, reason: "not registered" },
      ]);
      readiness = { ready: true };
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([200, { ready: true }]);
      expect((await fetch(`${base}/metrics`)).status).toBe(404);
      expect((await fetch(`${base}/healthz`, { method: "POST" })).status).toBe(405);
    } finally {
      await server.close();
    }
  });

  it("serves /metrics from the metrics source, and 500 when it fails", async () => {
    let broken = false;
    const server = await startHealthServer({
      listen: { host: "127.0.0.1", port: 0 },
      readiness: () => ({ ready: true }),
      metrics: {
        contentType: "text/plain; version=0.0.4; charset=utf-8",
        render: async () => {
          if (broken) throw new Error("collector failed");
          return "ksp_agent_up 1\n";
        },
      },
      logger: silent,
    });
    try {
      const res = await fetch(`http://127.0.0.1:${server.address.port}/metrics`);
      expect([res.status, res.headers.get("content-type"), await res.text()]).toEqual([
        200,
        "text/plain; version=0.0.4; charset=utf-8",
        "ksp_agent_up 1\n",
      ]);
      broken = true;
      expect((await fetch(`http://127.0.0.1:${server.address.port}/metrics`)).status).toBe(500);
    } finally {
      await server.close();
    }
  });

  it("fails to start, rather than hang, when the port is taken", async () => {
    const first = await startHealthServer({
      listen: { host: "127.0.0.1", port: 0 },
      readiness: () => ({ ready: true }),
      logger: silent,
    });
    try {
      await expect(
        startHealthServer({ listen: first.address, readiness: () => ({ ready: true }), logger: silent }),
      ).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});

describe("agent process", () => {
  it("serves probes, masks the token in its logs and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "agent/main.ts", "--health-listen", "127.0.0.1:0", "--grpc-listen", "127.0.0.1:0"],
      {
        env: {
          ...process.env,
          KSP_CONTROL_PLANE_URL: "http://127.0.0.1:9",
          KSP_CLUSTER: "unit-test",
          KSP_REGISTRATION_TOKEN: "ksp_reg_DoNotLogThis123",
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    const lines: string[] = [];
    try {
      const address = await new Promise<string>((resolve, reject) => {
        child.once("exit", () => reject(new Error(`agent exited early:\n${lines.join("\n")}`)));
        createInterface({ input: child.stdout }).on("line", (line) => {
          lines.push(line);
          const record = JSON.parse(line) as { msg: string; address?: string };
          if (record.msg === "health server listening" && record.address) resolve(record.address);
        });
      });
      expect((await fetch(`http://${address}/healthz`)).status).toBe(200);
      const readyz = await fetch(`http://${address}/readyz`);
      expect([readyz.status, await readyz.json()]).toEqual([503, { ready: false, reason: "not registered" }]);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    expect(lines.join("\n")).not.toContain("DoNotLogThis");
    expect(lines.map((line) => JSON.parse(line).msg)).toEqual(
      expect.arrayContaining(["agent starting", "agent stopped"]),
    );
  }, 30_000);
});
