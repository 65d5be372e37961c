/**
 * The gRPC server around the handlers: grpc.health.v1, per-RPC metrics on the
 * health server's /metrics, malformed request bytes, binding and graceful close.
 */
import * as grpc from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { type GrpcServer, type GrpcServerOptions, startGrpcServer } from "../../../agent/grpc/server.ts";
import { type HealthServer, startHealthServer } from "../../../agent/health.ts";
import { createAgentMetrics } from "../../../agent/metrics.ts";
import { CLOUD_PROVIDER_SERVICE } from "../../../proto/externalgrpc-paths.ts";
import {
  callError,
  captureLogger,
  connect,
  stubService,
  type TestClient,
} from "../../support/harness/grpc.ts";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Partial<GrpcServerOptions> = {}): Promise<GrpcServer> {
  const server = await startGrpcServer({
    listen: { host: "127.0.0.1", port: 0 },
    tls: null,
    service: stubService(),
    logger: captureLogger().logger,
    ...options,
  });
  cleanups.push(() => server.close());
  return server;
}

function client(kind: "current" | "health", port: number): TestClient {
  const c = connect(kind, port);
  cleanups.push(() => c.close());
  return c;
}

/** Sends raw bytes as the request of `method`, the way a broken or hostile client would. */
function sendRaw(port: number, method: string, bytes: Buffer): Promise<grpc.ServiceError | Buffer> {
  const raw = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  cleanups.push(() => raw.close());
  return new Promise((resolve) =>
    raw.makeUnaryRequest(
      `/${CLOUD_PROVIDER_SERVICE}/${method}`,
      (b: Buffer) => b,
      (b: Buffer) => b,
      bytes,
      (err, res) => resolve(err ?? res!),
    ),
  );
}

describe("grpc.health.v1", () => {
  it("Check answers SERVING when ready, NOT_SERVING when not, NOT_FOUND for other services", async () => {
    let ready = true;
    const server = await serve({ health: () => ready });
    const health = client("health", server.port);
    expect(await health.call("Check", { service: "" })).toEqual({ status: "SERVING" });
    expect(await health.call("Check", { service: CLOUD_PROVIDER_SERVICE })).toEqual({ status: "SERVING" });
    ready = false;
    expect(await health.call("Check", {})).toEqual({ status: "NOT_SERVING" });
    const unknown = await callError(health.call("Check", { service: "some.Other" }));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
  });

  it("Watch streams changes and ends when the server closes", async () => {
    let ready = false;
    const server = await serve({ health: () => ready });
    const health = client("health", server.port);
    const stream = (
      health.raw as unknown as { Watch(req: object): grpc.ClientReadableStream<{ status: string }> }
    ).Watch({
      service: "",
    });
    const seen: string[] = [];
    const ended = new Promise<void>((resolve) => {
      stream.on("data", (message) => {
        seen.push(message.status);
        if (seen.length === 1) ready = true;
        if (seen.length === 2) void server.close();
      });
      stream.on("status", () => resolve());
      stream.on("error", () => resolve());
    });
    await ended;
    expect(seen).toEqual(["NOT_SERVING", "SERVING", "NOT_SERVING"]);
  });
});

describe("metrics", () => {
  it("counts every RPC by method and code on /metrics, with pool gauges", async () => {
    const metrics = createAgentMetrics();
    const server = await serve({ metrics });
    const http: HealthServer = await startHealthServer({
      listen: { host: "127.0.0.1", port: 0 },
      readiness: () => ({ ready: true }),
      metrics,
      logger: captureLogger().logger,
    });
    cleanups.push(() => http.close());
    const cp = client("current", server.port);
    await cp.call("NodeGroups");
    await cp.call("NodeGroups");
    await callError(cp.call("NodeGroupTargetSize", {}));
    await sendRaw(server.port, "NodeGroupForNode", Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    metrics.setPoolGauges({
      syncAgeSeconds: 2.5,
      pools: [{ name: "default", target: 3, ready: 2, creating: 1, deleting: 0, min: 0, max: 5 }],
      machines: [
        { pool: "default", status: "ready", count: 2 },
        { pool: "default", status: "joining", count: 1 },
      ],
    });
    metrics.operation("default", "join", "succeeded");
    metrics.operation("default", "join", "succeeded");
    metrics.operation("default", "remove", "failed");
    metrics.joinSeconds("default", 42);
    metrics.drainSeconds("default", 3);
    metrics.sshError("connection");

    const res = await fetch(`http://127.0.0.1:${http.address.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toContain('ksp_agent_grpc_requests_total{method="NodeGroups",code="OK"} 2');
    expect(text).toContain(
      'ksp_agent_grpc_requests_total{method="NodeGroupTargetSize",code="INVALID_ARGUMENT"} 1',
    );
    expect(text).toContain(
      'ksp_agent_grpc_requests_total{method="NodeGroupForNode",code="INVALID_ARGUMENT"} 1',
    );
    expect(text).toContain('ksp_agent_grpc_request_duration_seconds_count{method="NodeGroups"} 2');
    expect(text).toContain('ksp_agent_pool_target_size{pool="default"} 3');
    expect(text).toContain('ksp_agent_pool_creating_nodes{pool="default"} 1');
    expect(text).toContain('ksp_agent_pool_max_size{pool="default"} 5');
    expect(text).toContain("ksp_agent_sync_age_seconds 2.5");
    expect(text).toContain("process_cpu_seconds_total");
    expect(text).toContain('ksp_agent_machines{pool="default",status="joining"} 1');
    expect(text).toContain(
      'ksp_agent_lifecycle_operations_total{pool="default",kind="join",outcome="succeeded"} 2',
    );
    expect(text).toContain(
      'ksp_agent_lifecycle_operations_total{pool="default",kind="remove",outcome="failed"} 1',
    );
    expect(text).toContain('ksp_agent_join_duration_seconds_bucket{le="60",pool="default"} 1');
    expect(text).toContain('ksp_agent_join_duration_seconds_bucket{le="30",pool="default"} 0');
    expect(text).toContain('ksp_agent_drain_duration_seconds_count{pool="default"} 1');
    expect(text).toContain('ksp_agent_ssh_errors_total{class="connection"} 1');

    // A pool that disappears stops being exported; never-synced is +Inf.
    metrics.setPoolGauges({ syncAgeSeconds: null, pools: [], machines: [] });
    const after = await (await fetch(`http://127.0.0.1:${http.address.port}/metrics`)).text();
    // (gauges only: counters and histograms keep what happened)
    expect(after).not.toMatch(/ksp_agent_(pool_\w+|machines)\{pool="default"/);
    expect(after).toContain('ksp_agent_lifecycle_operations_total{pool="default"');
    expect(after).toContain("ksp_agent_sync_age_seconds +Inf");
  });
});

describe("bad input", () => {
  it("malformed request bytes are INVALID_ARGUMENT and the server keeps serving", async () => {
    const server = await serve();
    const garbage = [
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]), // field 1, length far beyond the message
      Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // overlong varint tag
      Buffer.from([0x0f]), // wire type 7 does not exist
      Buffer.from([0x12, 0x02, 0x0a]), // NodeGroupDeleteNodes: id field truncated
    ];
    for (const method of [
      "NodeGroupForNode",
      "NodeGroupDeleteNodes",
      "NodeGroupGetOptions",
      "PricingNodePrice",
    ]) {
      for (const bytes of garbage) {
        const answer = await sendRaw(server.port, method, bytes);
        expect(answer).toBeInstanceOf(Error);
        expect((answer as grpc.ServiceError).code, `${method} ${bytes.toString("hex")}`).toBe(
          grpc.status.INVALID_ARGUMENT,
        );
      }
    }
    expect((await client("current", server.port).call("NodeGroups")).nodeGroups).toHaveLength(1);
  });
});

describe("lifecycle", () => {
  it("refuses to start on a port that is taken", async () => {
    const first = await serve();
    await expect(serve({ listen: { host: "127.0.0.1", port: first.port } })).rejects.toThrow(
      new RegExp(`gRPC server cannot listen on 127.0.0.1:${first.port}: .*EADDRINUSE`),
    );
  });

  it("close() lets an in-flight call finish, then refuses new ones", async () => {
    const server = await serve({
      service: stubService({ increaseSize: () => new Promise((resolve) => setTimeout(resolve, 300)) }),
    });
    const cp = client("current", server.port);
    await cp.call("NodeGroups"); // connected
    const inFlight = cp.call("NodeGroupIncreaseSize", { id: "default", delta: 1 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.close();
    expect(await inFlight).toEqual({});
    expect((await callError(cp.call("NodeGroups", {}, 1000))).code).toBe(grpc.status.UNAVAILABLE);
  });

  it("close() cancels calls still running after the shutdown timeout", async () => {
    const server = await serve({
      service: stubService({ increaseSize: () => new Promise(() => {}) }),
      shutdownTimeoutMs: 200,
    });
    const cp = client("current", server.port);
    const stuck = callError(cp.call("NodeGroupIncreaseSize", { id: "default", delta: 1 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await server.close();
    expect(Date.now() - started).toBeLessThan(2000);
    expect([grpc.status.CANCELLED, grpc.status.UNAVAILABLE, grpc.status.INTERNAL]).toContain(
      (await stuck).code,
    );
  });
});
