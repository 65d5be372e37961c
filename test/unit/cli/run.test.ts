import { execFile } from "node:child_process";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../../cli/run.ts";
import { testDeps } from "../../support/cli/deps.ts";
import { recordUsage } from "../../support/usage.ts";

const run = promisify(execFile);

interface StubAnswer {
  status: number;
  body: unknown;
}

/** A stand-in control plane: answers each path from `routes`, remembers what it was asked. */
let routes: Record<string, StubAnswer> = {};
const received: IncomingMessage[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  recordUsage("stand-in", "control-plane HTTP stub (node:http)");
  server = createServer((req, res) => {
    received.push(req);
    const answer = routes[req.url ?? ""] ?? {
      status: 404,
      body: { error: { code: "not_found", message: "no route", requestId: "r0" } },
    };
    res.writeHead(answer.status, { "content-type": "application/json" });
    res.end(typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  routes = {};
  received.length = 0;
});

async function ksp(argv: string[], env: Record<string, string> = { KSP_URL: baseUrl }) {
  const deps = testDeps({ KSP_CONFIG: "/nonexistent/ksp.yaml", ...env }, globalThis.fetch);
  const code = await runCli(argv, deps);
  return { code, ...deps.out() };
}

const healthy = {
  "/healthz": { status: 200, body: { ok: true } },
  "/readyz": { status: 200, body: { ready: true } },
};

describe("ksp health", () => {
  it("prints a table with one row per readiness check and exits 0 when both probes pass", async () => {
    routes = {
      "/healthz": { status: 200, body: { status: "ok" } },
      "/readyz": {
        status: 200,
        body: {
          status: "ready",
          checks: { database: { ok: true, durationMs: 3 }, coordination: { ok: true, durationMs: 1 } },
        },
      },
    };
    const result = await ksp(["health"]);
    expect(result).toEqual({
      code: 0,
      stderr: "",
      stdout: [
        "CHECK                HTTP  STATUS  DETAIL",
        "healthz              200   ok      ok",
        "readyz               200   ok      ready",
        "readyz/database            ok      3ms",
        "readyz/coordination        ok      1ms",
        "",
      ].join("\n"),
    });
  });

  it("reports a 503 readiness answer in the table and exits 1", async () => {
    routes = {
      ...healthy,
      "/readyz": {
        status: 503,
        body: {
          status: "not_ready",
          checks: { database: { ok: false, durationMs: 2000, error: "no answer within 2000 ms" } },
        },
      },
    };
    const result = await ksp(["health"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("readyz           503   failing  not_ready\n");
    expect(result.stdout).toContain("readyz/database        failing  no answer within 2000 ms\n");
    expect(result.stderr).toBe("");
  });

  it("shows a plain reason when the body has no checks", async () => {
    routes = { ...healthy, "/readyz": { status: 503, body: { ready: false, reason: "not registered" } } };
    const result = await ksp(["health"]);
    expect([result.code, result.stdout.split("\n")[2]]).toEqual([
      1,
      "readyz   503   failing  not registered",
    ]);
  });

  it("prints JSON with --output json", async () => {
    routes = healthy;
    const result = await ksp(["health", "--output", "json"]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      url: baseUrl,
      healthz: { status: 200, ok: true, body: { ok: true } },
      readyz: { status: 200, ok: true, body: { ready: true } },
    });
  });

  it("sends the token from --token over KSP_TOKEN as a Bearer credential", async () => {
    routes = healthy;
    await ksp(["--url", `${baseUrl}/`, "--token", "ksp_api_fromflag", "health"], {
      KSP_TOKEN: "ksp_api_fromenv",
    });
    expect(received.map((req) => [req.url, req.headers.authorization])).toEqual(
      expect.arrayContaining([
        ["/healthz", "Bearer ksp_api_fromflag"],
        ["/readyz", "Bearer ksp_api_fromflag"],
      ]),
    );
  });

  it("prints the server's error envelope as one line and exits 5 on a 401", async () => {
    routes = {
      ...healthy,
      "/healthz": {
        status: 401,
        body: { error: { code: "unauthorized", message: "token expired\nor revoked", requestId: "req-123" } },
      },
    };
    const result = await ksp(["health"]);
    expect(result).toEqual({
      code: 5,
      stdout: "",
      stderr: "error: unauthorized: token expired or revoked (request req-123)\n",
    });
  });

  it("falls back to the HTTP status when the error body is not an envelope", async () => {
    routes = { ...healthy, "/readyz": { status: 502, body: "<html>bad gateway</html>" } };
    const result = await ksp(["health"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: GET /readyz answered HTTP 502 Bad Gateway\n");
  });

  it("says in one line that an unreachable server cannot be reached, exit 6", async () => {
    // A port that was just free: fetch refuses "bad ports" such as 1 before even trying.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
    const closedUrl = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
    await new Promise((resolve) => probe.close(resolve));
    const result = await ksp(["health"], { KSP_URL: closedUrl });
    expect(result).toEqual({
      code: 6,
      stdout: "",
      stderr: `error: cannot reach the control plane at ${closedUrl} (ECONNREFUSED)\n`,
    });
  });
});

describe("ksp usage", () => {
  it("prints usage and exits 2 on an unknown command", async () => {
    const result = await ksp(["frobnicate"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown command 'frobnicate'\n/);
  });

  it("exits 2 on no command, an unknown flag or a bad --url", async () => {
    expect((await ksp([])).code).toBe(2);
    const flag = await ksp(["--verbose", "health"]);
    expect([flag.code, flag.stderr.split("\n")[0]]).toEqual([2, "error: unknown option '--verbose'"]);
    const url = await ksp(["--url", "ftp://x", "health"]);
    expect([url.code, url.stderr]).toEqual([2, "error: --url: must be an http(s) URL\n"]);
  });

  it("prints help to stdout and the version", async () => {
    const help = await ksp(["--help"]);
    expect([help.code, help.stderr]).toEqual([0, ""]);
    expect(help.stdout).toContain("health");
    expect(help.stdout).toContain("KSP_URL");
    const version = await ksp(["version", "-o", "json"]);
    expect(JSON.parse(version.stdout)).toEqual({ version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

describe("entry points as child processes", () => {
  it("ksp exits 2 on an unknown command", async () => {
    const failure = await run(process.execPath, ["cli/bin.js", "nope"]).catch((err) => err);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain("error: unknown command 'nope'");
  }, 30_000);

  it("npx tsx agent/main.ts --help exits 0 and lists --control-plane-url", async () => {
    const { stdout } = await run("npx", ["tsx", "agent/main.ts", "--help"]);
    expect(stdout).toContain("--control-plane-url URL");
    expect(stdout).toContain("KSP_CONTROL_PLANE_URL");
  }, 30_000);
});
