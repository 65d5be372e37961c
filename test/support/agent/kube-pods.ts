/**
 * Pods for drain tests, shaped like what the API server returns, so the same
 * value seeds the Kubernetes API stand-in and the in-memory FakeKube.
 */
import type { V1Pod } from "@kubernetes/client-node";
import { MIRROR_ANNOTATION } from "../../../agent/kubernetes/drain-plan.ts";

export interface TestPodInput {
  name: string;
  node: string;
  namespace?: string;
  /** the controller ownerReference's kind; "none" for a bare pod. Default ReplicaSet */
  owner?: "ReplicaSet" | "DaemonSet" | "StatefulSet" | "none";
  mirror?: boolean;
  emptyDir?: boolean;
  phase?: "Pending" | "Running" | "Succeeded" | "Failed";
  labels?: Record<string, string>;
}

export function testPod(input: TestPodInput): V1Pod {
  const owner = input.owner ?? "ReplicaSet";
  return {
    metadata: {
      name: input.name,
      namespace: input.namespace ?? "default",
      labels: input.labels ?? { app: input.name },
      ...(input.mirror ? { annotations: { [MIRROR_ANNOTATION]: "checksum" } } : {}),
      ...(owner === "none"
        ? {}
        : {
            ownerReferences: [
              {
                apiVersion: "apps/v1",
                kind: owner,
                name: `${input.name}-owner`,
                uid: `uid-${input.name}-owner`,
                controller: true,
              },
            ],
          }),
    },
    spec: {
      nodeName: input.node,
      containers: [{ name: "c", image: "busybox" }],
      ...(input.emptyDir ? { volumes: [{ name: "scratch", emptyDir: {} }] } : {}),
    },
    status: {
      phase: input.phase ?? "Running",
      conditions: [{ type: "Ready", status: (input.phase ?? "Running") === "Running" ? "True" : "False" }],
    },
  };
}
