/**
 * The agent process as a whole (agent/main.ts): registration against a
 * stand-in control plane on a real port, the credential persisted, state
 * synced, the externalgrpc server serving it, probes, metrics and a clean
 * SIGTERM; a restart uses the persisted credential; a refused token stops
 * the process with a failure.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AgentState } from "../../../proto/agent-api.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";
import { connect, type Decoded } from "../../support/harness/grpc.ts";

const TOKEN = "ksp_reg_DoNotLogThisToken123";
const CREDENTIAL = "ksp_agt_DoNotLogThisCredential456";
const ROOT = path.resolve(import.meta.dirname, "../../..");

const pool = fixturePool({ name: "default", minSize: 0, maxSize: 3 });
const state: AgentState = {
  clusterId: "7b0c6c53-3e7e-4a43-9d0f-3f7d1c0b9a11",
  stateVersion: 1,
  pools: [pool],
  machines: [fixtureMachine({ poolId: pool.id, status: "ready" })],
};

interface Seen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Decoded;
}

let controlPlane: Server;
let controlPlaneUrl: string;
let registerStatus = 201;
const seen: Seen[] = [];

async function readBody(req: IncomingMessage): Promise<Decoded> {
  let text = "";
  for await (const chunk of req) text += chunk;
  return text ? JSON.parse(text) : null;
}

beforeAll(async () => {
  controlPlane = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push({ method: req.method!, path: req.url!, authorization: req.headers.authorization, body });
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/v1/agent/register") {
      if (registerStatus !== 201) {
        return json(registerStatus, {
          error: { code: "unauthorized", message: "invalid registration token", requestId: "r1" },
        });
      }
      return json(201, { clusterId: state.clusterId, clusterName: "proc-test", credential: CREDENTIAL });
    }
    if (req.url === "/v1/agent/state") {
      if (req.headers.authorization !== `Bearer ${CREDENTIAL}`) {
        return json(401, { error: { code: "unauthorized", message: "bad credential", requestId: "r2" } });
      }
      if (req.headers["if-none-match"] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        return res.end();
      }
      return json(200, state, { etag: '"v1"' });
    }
    json(404, { error: { code: "not_found", message: "no route", requestId: "r3" } });
  });
  await new Promise<void>((resolve) => controlPlane.listen(0, "127.0.0.1", resolve));
  controlPlaneUrl = `http://127.0.0.1:${(controlPlane.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => controlPlane.close(() => resolve())));

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  seen.length = 0;
  registerStatus = 201;
});

interface RunningAgent {
  child: ChildProcess;
  lines: Decoded[];
  exited: Promise<number | null>;
  waitForLog(msg: string): Promise<Decoded>;
}

function startAgent(credentialFile: string, env: Record<string, string> = {}): RunningAgent {
  const child = spawn(
    process.execPath,
    [
      ...[
        "--import",
        "tsx",
        "agent/main.ts",
        "--health-listen",
        "127.0.0.1:0",
        "--grpc-listen",
        "127.0.0.1:0",
      ],
      ...["--credential-file", credentialFile, "--gpu-label", "example.com/gpu-type", "--log-level", "debug"],
    ],
    {
      cwd: ROOT,
      env: { ...process.env, KSP_CONTROL_PLANE_URL: controlPlaneUrl, KSP_CLUSTER: "proc-test", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  children.push(child);
  const lines: Decoded[] = [];
  const waiters: { msg: string; resolve: (line: Decoded) => void }[] = [];
  createInterface({ input: child.stdout! }).on("line", (text) => {
    const line = JSON.parse(text);
    lines.push(line);
    for (const waiter of waiters.filter((w) => w.msg === line.msg)) waiter.resolve(line);
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
  return {
    child,
    lines,
    exited,
    waitForLog: (msg) => {
      const found = lines.find((line) => line.msg === msg);
      if (found) return Promise.resolve(found);
      return Promise.race([
        new Promise<Decoded>((resolve) => waiters.push({ msg, resolve })),
        exited.then((code) => {
          throw new Error(
            `agent exited (${code}) before logging "${msg}":\n${lines.map((l) => JSON.stringify(l)).join("\n")}`,
          );
        }),
      ]);
    },
  };
}

function tempCredentialFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ksp-agent-proc-"));
  dirs.push(dir);
  return path.join(dir, "state", "credential");
}

describe("agent process", () => {
  it("registers, syncs, serves gRPC, health and metrics, and stops cleanly", async () => {
    const credentialFile = tempCredentialFile();
    const agent = startAgent(credentialFile, { KSP_REGISTRATION_TOKEN: TOKEN });
    const healthAddress = (await agent.waitForLog("health server listening")).address;
    const grpcAddress: string = (await agent.waitForLog("gRPC server listening")).address;
    const port = Number(grpcAddress.split(":").at(-1));

    const register = seen.find((s) => s.path === "/v1/agent/register")!;
    expect(register.body).toMatchObject({ registrationToken: TOKEN, clusterName: "proc-test" });
    expect(statSync(credentialFile).mode & 0o777).toBe(0o600);
    expect(seen.some((s) => s.path === "/v1/agent/state" && s.authorization === `Bearer ${CREDENTIAL}`)).toBe(
      true,
    );

    const readyz = await fetch(`http://${healthAddress}/readyz`);
    expect([readyz.status, await readyz.json()]).toEqual([200, { ready: true }]);

    const ca = connect("current", port);
    const health = connect("health", port);
    try {
      expect((await ca.call("NodeGroups")).nodeGroups).toEqual([
        expect.objectContaining({ id: "default", minSize: 0, maxSize: 3 }),
      ]);
      expect(await ca.call("GPULabel")).toEqual({ label: "example.com/gpu-type" });
      expect(await ca.call("NodeGroupTargetSize", { id: "default" })).toEqual({ targetSize: 1 });
      expect(await health.call("Check", { service: "" })).toEqual({ status: "SERVING" });
    } finally {
      ca.close();
      health.close();
    }

    const metrics = await (await fetch(`http://${healthAddress}/metrics`)).text();
    expect(metrics).toContain('ksp_agent_grpc_requests_total{method="NodeGroups",code="OK"} 1');
    expect(metrics).toContain('ksp_agent_pool_target_size{pool="default"} 1');
    expect(metrics).toContain('ksp_agent_pool_ready_nodes{pool="default"} 1');
    expect(metrics).toMatch(/ksp_agent_sync_age_seconds \d/);
    expect(agent.lines.some((l) => l.msg === "rpc" && l.method === "NodeGroups" && l.code === "OK")).toBe(
      true,
    );

    agent.child.kill("SIGTERM");
    expect(await agent.exited).toBe(0);
    const log = agent.lines.map((l) => JSON.stringify(l)).join("\n");
    expect(log).not.toContain("DoNotLogThis");
    expect(agent.lines.at(-1)?.msg).toBe("agent stopped");

    // A restart uses the persisted credential: no second registration (the token is spent).
    seen.length = 0;
    const again = startAgent(credentialFile);
    await again.waitForLog("gRPC server listening");
    expect(seen.some((s) => s.path === "/v1/agent/register")).toBe(false);
    again.child.kill("SIGTERM");
    expect(await again.exited).toBe(0);
  }, 60_000);

  it("stops with a failure when the registration token is refused", async () => {
    registerStatus = 401;
    const agent = startAgent(tempCredentialFile(), { KSP_REGISTRATION_TOKEN: TOKEN });
    expect(await agent.exited).toBe(1);
    expect(agent.lines.find((l) => l.msg === "agent cannot serve; stopped")).toMatchObject({
      level: "error",
    });
    expect(seen.filter((s) => s.path === "/v1/agent/register")).toHaveLength(1);
    expect(agent.lines.map((l) => JSON.stringify(l)).join("\n")).not.toContain("DoNotLogThis");
  }, 60_000);

  it("stops with a failure when there is neither a credential nor a token", async () => {
    const agent = startAgent(tempCredentialFile());
    expect(await agent.exited).toBe(1);
    expect(agent.lines.find((l) => l.msg === "agent cannot serve; stopped")?.err.message).toMatch(
      /no persisted credential and no registration token/,
    );
  }, 60_000);
});
