import { type ApiException, CoordinationV1Api, CoreV1Api, type V1Lease } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

describe("kube-api stand-in: Lease races, tokens and robustness", () => {
  let kube: KubeApiServer;
  let coord: CoordinationV1Api;

  beforeAll(async () => {
    kube = await startKubeApiServer({ requireToken: ["agent-token", "rotated-token"] });
    coord = kube.kubeConfig().makeApiClient(CoordinationV1Api);
  });
  afterAll(() => kube.close());

  it("lets exactly one of two racing replaces with the same resourceVersion win", async () => {
    const lease = await coord.createNamespacedLease({
      namespace: "kube-system",
      body: { metadata: { name: "leader" }, spec: { holderIdentity: "nobody", leaseDurationSeconds: 15 } },
    });
    const claim = (holder: string, client: CoordinationV1Api) =>
      client.replaceNamespacedLease({
        name: "leader",
        namespace: "kube-system",
        body: { ...lease, spec: { ...lease.spec, holderIdentity: holder } } as V1Lease,
      });
    const other = kube.kubeConfig("rotated-token").makeApiClient(CoordinationV1Api);
    const results = await Promise.allSettled([claim("replica-a", coord), claim("replica-b", other)]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const loser = lost[0]!.reason as ApiException<string>;
    expect(loser.code).toBe(409);
    expect(JSON.parse(loser.body)).toMatchObject({
      reason: "Conflict",
      details: { name: "leader", group: "coordination.k8s.io" },
    });
    const winner = (won[0] as PromiseFulfilledResult<V1Lease>).value.spec?.holderIdentity;
    const stored = await coord.readNamespacedLease({ name: "leader", namespace: "kube-system" });
    expect(stored.spec?.holderIdentity).toBe(winner);
  });

  it("treats Leases as the real registry does: AlreadyExists, NotFound, no unconditional update, MicroTime", async () => {
    const body = (spec: Record<string, unknown>) => ({ metadata: { name: "strict" }, spec }) as V1Lease;
    const create = (spec: Record<string, unknown>) =>
      coord.createNamespacedLease({ namespace: "default", body: body(spec) });
    const failure = async (call: Promise<unknown>) => {
      const err = (await call.then(
        () => undefined,
        (e: unknown) => e,
      )) as ApiException<string>;
      return { code: err.code, ...JSON.parse(err.body) };
    };
    // a plain Date's three fractional digits do not decode as a MicroTime
    expect(await failure(create({ renewTime: "2026-11-23T10:00:00.123Z" }))).toMatchObject({
      code: 400,
      reason: "BadRequest",
      message: expect.stringContaining("2006-01-02T15:04:05.000000Z07:00"),
    });
    expect(await failure(create({ holderIdentity: "a", leaseDurationSeconds: 0 }))).toMatchObject({
      code: 422,
      reason: "Invalid",
      message: expect.stringContaining("spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"),
    });
    const created = await create({ holderIdentity: "a", renewTime: "2026-11-23T11:00:00.123456+01:00" });
    expect(kube.store.get("leases", "default", "strict").spec).toMatchObject({
      renewTime: "2026-11-23T10:00:00.123456Z",
    });
    expect(await failure(create({ holderIdentity: "b" }))).toMatchObject({
      code: 409,
      reason: "AlreadyExists",
      message: 'leases.coordination.k8s.io "strict" already exists',
    });
    const { resourceVersion: _rv, ...unversioned } = created.metadata!;
    expect(
      await failure(
        coord.replaceNamespacedLease({
          name: "strict",
          namespace: "default",
          body: { ...created, metadata: unversioned, spec: { holderIdentity: "b" } },
        }),
      ),
    ).toMatchObject({
      code: 422,
      reason: "Invalid",
      message: expect.stringContaining(
        "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update",
      ),
    });
    await coord.deleteNamespacedLease({ name: "strict", namespace: "default" });
    expect(await failure(coord.readNamespacedLease({ name: "strict", namespace: "default" }))).toMatchObject({
      code: 404,
      reason: "NotFound",
    });
  });

  it("rejects missing or unknown bearer tokens with a 401 Status, and honours rotation", async () => {
    const intruder = kube.kubeConfig("stolen").makeApiClient(CoreV1Api);
    // The generated client drops 401 bodies (ApiException body undefined), so read one raw.
    await expect(intruder.listNode()).rejects.toMatchObject({ code: 401 });
    const raw = await fetch(`${kube.url}/api/v1/nodes`);
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({
      kind: "Status",
      reason: "Unauthorized",
      message: "Unauthorized",
      code: 401,
    });
    kube.setAcceptedTokens(["stolen"]);
    expect((await intruder.listNode()).items).toEqual([]);
    await expect(kube.kubeConfig("agent-token").makeApiClient(CoreV1Api).listNode()).rejects.toMatchObject({
      code: 401,
    });
    kube.setAcceptedTokens(["agent-token", "rotated-token"]);
    expect(kube.requests.some((r) => r.token === "stolen" && r.status === 200)).toBe(true);
  });

  it("answers malformed JSON with 400, unknown paths with 404 and bad methods with 405, and keeps serving", async () => {
    const headers = { Authorization: "Bearer agent-token", "Content-Type": "application/json" };
    const post = (path: string, body: string) =>
      fetch(`${kube.url}${path}`, { method: "POST", headers, body });
    const malformed = await post("/api/v1/namespaces/default/configmaps", '{"metadata": {');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({
      kind: "Status",
      status: "Failure",
      reason: "BadRequest",
      code: 400,
    });
    expect((await post("/api/v1/namespaces/default/configmaps", "[1,2]")).status).toBe(400);
    expect(
      (await post("/api/v1/namespaces/default/configmaps", '{"kind":"Secret","metadata":{"name":"x"}}'))
        .status,
    ).toBe(400);
    const putMismatch = await fetch(`${kube.url}/api/v1/nodes/a`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ metadata: { name: "b" } }),
    });
    expect(putMismatch.status).toBe(400);
    for (const path of [
      "/apis/apps/v1/deployments",
      "/api/v1/services",
      "/nope",
      "/api/v1/nodes/a/b/c",
      "/api/v1/nodes/a/eviction",
    ]) {
      const res = await fetch(`${kube.url}${path}`, { headers });
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
    }
    const del = await fetch(`${kube.url}/api/v1/nodes`, {
      method: "POST",
      headers: { ...headers },
      body: "",
    });
    expect(del.status).toBe(400);
    expect((await fetch(`${kube.url}/api/v1/nodes/a`, { method: "POST", headers, body: "{}" })).status).toBe(
      405,
    );
    const core = kube.kubeConfig().makeApiClient(CoreV1Api);
    expect((await core.listNamespace()).items.length).toBeGreaterThanOrEqual(2);
  });
});
