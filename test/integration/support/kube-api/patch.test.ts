import { CoreV1Api, PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apiError } from "../../../support/harness/kube-api.ts";
import { type KubeApiServer, startKubeApiServer } from "../../../support/kube-api/index.ts";

/*
 * How to choose the patch format with @kubernetes/client-node 1.4.0 (the agent needs the same):
 * the generated `patchNode`/`patchNamespacedPod`/... always set
 * `Content-Type: application/json-patch+json` (the first entry of the media
 * types they accept), so a plain call sends an RFC 6902 JSON patch and the
 * body must be an array of operations. To send a merge patch, pass request
 * options that override the header through middleware:
 *
 *   core.patchNode({ name, body: { spec: { unschedulable: true } } },
 *     setHeaderOptions("Content-Type", PatchStrategy.MergePatch));
 *
 * `PatchStrategy.StrategicMergePatch` works the same way. (KubernetesObjectApi.patch
 * instead takes the strategy as its 6th argument and defaults to strategic merge.)
 */
const mergePatch = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);
const strategicPatch = setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch);

describe("kube-api stand-in: PATCH", () => {
  let kube: KubeApiServer;
  let core: CoreV1Api;

  beforeAll(async () => {
    kube = await startKubeApiServer();
    core = kube.kubeConfig().makeApiClient(CoreV1Api);
    await core.createNode({
      body: { metadata: { name: "n1", labels: { pool: "a", zone: "z1" } }, spec: { unschedulable: false } },
    });
  });
  afterAll(() => kube.close());

  it("applies a JSON merge patch: sets, deletes with null, leaves the rest", async () => {
    const patched = await core.patchNode(
      {
        name: "n1",
        body: { metadata: { labels: { zone: null, role: "worker" } }, spec: { unschedulable: true } },
      },
      mergePatch,
    );
    expect(patched.metadata?.labels).toEqual({ pool: "a", role: "worker" });
    expect(patched.spec?.unschedulable).toBe(true);
    const last = kube.requests.at(-1);
    expect(last).toMatchObject({ method: "PATCH", path: "/api/v1/nodes/n1", status: 200 });
  });

  it("serves strategic merge patch with merge semantics", async () => {
    const patched = await core.patchNode(
      { name: "n1", body: { metadata: { annotations: { "ksp/drain": "true" } } } },
      strategicPatch,
    );
    expect(patched.metadata?.annotations).toEqual({ "ksp/drain": "true" });
  });

  it("applies an RFC 6902 JSON patch (the client's default content type)", async () => {
    const patched = await core.patchNode({
      name: "n1",
      body: [
        { op: "test", path: "/metadata/labels/pool", value: "a" },
        { op: "replace", path: "/metadata/labels/pool", value: "b" },
        { op: "add", path: "/metadata/labels/ksp~1managed", value: "yes" },
        { op: "remove", path: "/metadata/labels/role" },
      ],
    });
    expect(patched.metadata?.labels).toEqual({ pool: "b", "ksp/managed": "yes" });
  });

  it("rejects the whole JSON patch with 422 when a test op fails", async () => {
    const before = await core.readNode({ name: "n1" });
    const err = await apiError(
      core.patchNode({
        name: "n1",
        body: [
          { op: "replace", path: "/spec/unschedulable", value: false },
          { op: "test", path: "/metadata/labels/pool", value: "zzz" },
        ],
      }),
      422,
    );
    expect(err.reason).toBe("Invalid");
    expect(err.details?.causes?.[0]?.message).toBe("testing value /metadata/labels/pool failed: test failed");
    const after = await core.readNode({ name: "n1" });
    expect(after.spec?.unschedulable).toBe(true);
    expect(after.metadata?.resourceVersion).toBe(before.metadata?.resourceVersion);
  });

  it("conflicts when a patch pins a stale resourceVersion (compare-and-swap by patch)", async () => {
    const current = await core.readNode({ name: "n1" });
    await core.patchNode({ name: "n1", body: { metadata: { labels: { bump: "1" } } } }, mergePatch);
    const err = await apiError(
      core.patchNode(
        {
          name: "n1",
          body: { metadata: { resourceVersion: current.metadata?.resourceVersion, labels: { x: "y" } } },
        },
        mergePatch,
      ),
      409,
    );
    expect(err.reason).toBe("Conflict");
  });

  it("patches /status without touching spec, and 404s for a missing object", async () => {
    const patched = await core.patchNodeStatus(
      {
        name: "n1",
        body: {
          status: { conditions: [{ type: "Ready", status: "False" }] },
          spec: { unschedulable: false },
        },
      },
      mergePatch,
    );
    expect(patched.status?.conditions?.[0]?.status).toBe("False");
    expect(patched.spec?.unschedulable).toBe(true);
    await apiError(core.patchNode({ name: "ghost", body: { metadata: {} } }, mergePatch), 404);
  });

  it("answers 400 for a malformed patch body, 400 for bad ops and 415 for unknown patch types", async () => {
    const raw = (body: string, contentType: string) =>
      fetch(`${kube.url}/api/v1/nodes/n1`, {
        method: "PATCH",
        body,
        headers: { "Content-Type": contentType },
      });
    const malformed = await raw("{not json", PatchStrategy.MergePatch);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
    expect((await raw('[{"op":"explode","path":"/a"}]', PatchStrategy.JsonPatch)).status).toBe(400);
    expect((await raw('{"op":"add"}', PatchStrategy.JsonPatch)).status).toBe(400);
    const apply = await raw("metadata: {}", PatchStrategy.ServerSideApply);
    expect(apply.status).toBe(415);
    expect(await apply.json()).toMatchObject({ reason: "UnsupportedMediaType" });
  });
});
