/** A pod's effective requests, as the scheduler counts them against its Node. */
import type { V1Container, V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { holdsNodeResources, podRequests } from "../../../../agent/kubernetes/pod-requests.ts";

const c = (cpu?: string, memory?: string, restartPolicy?: string): V1Container => ({
  name: `c-${cpu}-${memory}`,
  ...(restartPolicy ? { restartPolicy } : {}),
  resources: {
    requests: { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) },
    limits: { cpu: "64", memory: "64Gi" },
  },
});
const pod = (spec: Partial<NonNullable<V1Pod["spec"]>>): V1Pod => ({
  metadata: { name: "p" },
  spec: { containers: [], ...spec },
});

describe("podRequests", () => {
  it("adds up the app containers' requests (limits do not count)", () => {
    expect(podRequests(pod({ containers: [c("100m", "128Mi"), c("250m"), { name: "bare" }] }))).toEqual({
      cpuMillis: 350,
      memoryBytes: 128 * 2 ** 20,
    });
  });

  it("counts the largest init container only where it exceeds the app containers, per resource", () => {
    const requests = podRequests(
      pod({
        containers: [c("100m", "1Gi")],
        initContainers: [c("500m", "64Mi"), c("200m", "512Mi")],
      }),
    );
    expect(requests).toEqual({ cpuMillis: 500, memoryBytes: 2 ** 30 });
  });

  it("adds sidecars to the app containers and to every init container after them", () => {
    const requests = podRequests(
      pod({
        containers: [c("100m", "100Mi")],
        initContainers: [c("300m", "10Mi"), c("50m", "20Mi", "Always"), c("400m", "10Mi")],
      }),
    );
    // app 100m + sidecar 50m = 150m; the init after the sidecar peaks at 400m + 50m = 450m
    expect(requests).toEqual({ cpuMillis: 450, memoryBytes: 120 * 2 ** 20 });
  });

  it("adds the RuntimeClass overhead", () => {
    expect(podRequests(pod({ containers: [c("1")], overhead: { cpu: "250m", memory: "120Mi" } }))).toEqual({
      cpuMillis: 1250,
      memoryBytes: 120 * 2 ** 20,
    });
  });

  it("holds a Node's resources while bound and not finished", () => {
    const on = (nodeName: string | undefined, phase?: string): V1Pod => ({
      spec: { containers: [], ...(nodeName ? { nodeName } : {}) },
      ...(phase ? { status: { phase } } : {}),
    });
    expect(holdsNodeResources(on("n1", "Running"))).toBe(true);
    expect(holdsNodeResources(on("n1", "Pending"))).toBe(true);
    expect(holdsNodeResources(on("n1"))).toBe(true);
    expect(holdsNodeResources(on(undefined, "Pending"))).toBe(false);
    expect(holdsNodeResources(on("n1", "Succeeded"))).toBe(false);
    expect(holdsNodeResources(on("n1", "Failed"))).toBe(false);
  });
});
