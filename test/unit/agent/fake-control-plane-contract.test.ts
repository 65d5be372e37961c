/**
 * The ControlPlane contract (test/support/contracts/control-plane-contract.ts)
 * against the FakeControlPlane agent tests use, so what they learn about the
 * agent holds against the real control plane too. The operator's side is
 * the fake's own steering: `change` (which bumps the state version, as an
 * operator's change does) and its credential methods.
 */
import { describe } from "vitest";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";
import {
  type ControlPlaneSubject,
  describeControlPlaneContract,
} from "../../support/contracts/control-plane-contract.ts";

function fakeSubject(): ControlPlaneSubject {
  const fake = new FakeControlPlane();
  return {
    clusterId: fake.clusterId,
    clusterName: fake.clusterName,
    controlPlane: fake,
    async addPool(input = {}) {
      const pool = fixturePool(input);
      fake.change((f) => f.pools.push(pool));
      return pool.id;
    },
    async addPoolMachines(poolId, count, input = {}) {
      const added = Array.from({ length: count }, () => fixtureMachine({ ...input, poolId }));
      fake.change((f) => f.machines.push(...added));
      return added.map((m) => m.id);
    },
    async addFreeMachines(count) {
      // the free inventory is not the cluster's state: the agent sees nothing change
      const added = Array.from({ length: count }, () =>
        fixtureMachine({ poolId: null, status: "available" }),
      );
      fake.machines.push(...added);
      return added.map((m) => m.id);
    },
    issueRegistrationToken: async () => fake.issueRegistrationToken(),
    register: (input) =>
      fake.register({ ...input, agentVersion: "0.0.0-contract", kubernetesVersion: "v1.31.0" }),
    connect: (credential) => fake.withCredential(() => credential),
    rotateCredential: async () => fake.rotateCredential(),
  };
}

describe("FakeControlPlane", () => {
  describeControlPlaneContract("FakeControlPlane", async () => fakeSubject());
});
