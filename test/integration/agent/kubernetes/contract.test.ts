/**
 * The same behaviours (test/support/agent/kube-contract.ts) against the real
 * adapters on the Kubernetes API stand-in and against FakeKube: what passes
 * here for both is what reconciler tests may rely on from the fake.
 */
import { describe } from "vitest";
import { ManualClock } from "../../../../shared/clock.ts";
import { FakeKube } from "../../../support/agent/fake-kube.ts";
import { defineKubeContract, type KubeContractHarness } from "../../../support/agent/kube-contract.ts";
import { startRealKube } from "../../../support/agent/kube-harness.ts";

describe("Kubernetes adapters on the API stand-in", () => {
  defineKubeContract(startRealKube);
});

describe("FakeKube", () => {
  defineKubeContract(async (): Promise<KubeContractHarness> => {
    const clock = new ManualClock(new Date("2026-12-06T20:00:00.250Z"));
    const identity = "agent-test-0";
    const fake = new FakeKube({ clock, identity });
    return {
      informer: fake.nodeInformer,
      operations: fake.nodeOperations,
      tokens: fake.bootstrapTokens,
      discovery: fake.discovery,
      identity,
      addNode: async (name, node) => void fake.addNode(name, node),
      setReady: async (name, ready) => fake.setReady(name, ready),
      removeNode: async (name) => fake.removeNode(name),
      storedNode: async (name) => fake.node(name),
      addPod: async (pod, options) => void fake.addPod(pod, options),
      releasePdb: async (podName) => fake.setPdbBlocked(`default/${podName}`, false),
      podsOn: async (node) => fake.pods(node),
      storedTokens: async () =>
        [...fake.bootstrapTokens.all.values()].map(({ id, description, expiresAt }) => ({
          id,
          description,
          expiresAt,
        })),
      addForeignToken: async (id, expiresAt) => fake.addForeignToken(id, "0123456789abcdef", expiresAt),
      tokensAs: (other) => fake.bootstrapTokens.as(other),
      now: () => clock.now(),
      advance: (ms) => clock.advance(ms),
      setClusterInfo: async (apiEndpoint) => {
        const info = apiEndpoint === null ? null : { apiEndpoint, caCertHash: `sha256:${"cd".repeat(32)}` };
        fake.setJoinInfo(info);
        return info;
      },
      close: () => fake.nodeInformer.stop(),
    };
  });
});
