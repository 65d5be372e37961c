/** FakeMachineWork keeps the pipelines' contract: hosts as state, idempotent runs, scripted failures, held joins. */
import { describe, expect, it } from "vitest";
import type { JoinSpec } from "../../../agent/execution/types.ts";
import { FakeKube } from "../../support/agent/fake-kube.ts";
import { FakeMachineWork } from "../../support/agent/fake-machine-work.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";

const pool = fixturePool();
const machine = fixtureMachine({ poolId: pool.id, status: "joining", hostname: "h1" });
const spec = (over: Partial<JoinSpec> = {}): JoinSpec => ({
  machine,
  poolName: pool.name,
  nodeName: "h1",
  providerId: `ksp://${machine.id}`,
  cluster: { apiEndpoint: "10.0.0.1:6443", caCertHash: `sha256:${"ab".repeat(32)}` },
  token: "abcdef.0123456789abcdef",
  kubeletLabels: { a: "1" },
  taints: [],
  hooks: pool.hooks,
  requirements: {},
  prepareHosts: false,
  kubeadmConfigVersion: null,
  ...over,
});
const never = new AbortController().signal;

describe("FakeMachineWork", () => {
  it("joins a host (its kubelet registers a Ready Node), again as a no-op, and resets it", async () => {
    const kube = new FakeKube();
    const work = new FakeMachineWork(kube);
    expect(await work.join(spec(), never)).toEqual({ ok: true });
    expect(kube.node("h1")).toMatchObject({
      providerId: `ksp://${machine.id}`,
      ready: true,
      labels: { a: "1" },
    });
    expect(await work.join(spec(), never)).toEqual({ ok: true });
    expect(await work.join(spec({ providerId: "ksp://other" }), never)).toMatchObject({
      ok: false,
      failure: { step: "join.check-membership", errorClass: "precondition" },
    });
    const reset = {
      machine,
      poolName: pool.name,
      nodeName: "h1",
      providerId: `ksp://${machine.id}`,
      hooks: pool.hooks,
    };
    expect(await work.reset(reset, never)).toEqual({ ok: true });
    expect(work.joined.size).toBe(0);
    expect(work.calls.map((c) => c.kind)).toEqual(["join", "join", "join", "reset"]);
    expect(() => work.join(spec({ token: "not-a-token" }), never)).toThrow(/malformed token/);
  });

  it("fails on demand, holds joins until released, and reports an aborted run as failed", async () => {
    const work = new FakeMachineWork(new FakeKube());
    work.failNext("join", machine.id, { step: "join.kubeadm-join", message: "exit 1" });
    expect(await work.join(spec(), never)).toMatchObject({
      ok: false,
      failure: { step: "join.kubeadm-join" },
    });

    work.holdJoins = true;
    const held = work.join(spec(), never);
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(work.held()).toEqual([machine.id]);
    work.release(machine.id, { step: "preflight.swap", errorClass: "precondition", message: "swap on" });
    expect(await held).toMatchObject({ ok: false, failure: { step: "preflight.swap", message: "swap on" } });

    const controller = new AbortController();
    const aborted = work.join(spec(), controller.signal);
    await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    expect(await aborted).toMatchObject({ ok: false, failure: { errorClass: "timeout" } });
    expect(work.held()).toEqual([]);
  });
});
