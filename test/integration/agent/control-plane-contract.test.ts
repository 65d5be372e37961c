/**
 * The ControlPlane contract (test/support/contracts/control-plane-contract.ts)
 * against the real thing: the agent's HTTP client and registration call
 * talking to the control plane's app on a real port, on real Postgres (and
 * on embedded PGlite, as the single-node install runs it). Each
 * subject is a fresh cluster; the operator's side (pools, machines, tokens)
 * is written to the database as the admin API would leave it, with the state
 * version bumped and published so agents see it.
 */
// First: the control plane's routes need zod extended with .openapi() before
// proto/agent-api.ts builds its schemas, and the agent modules below load it too.
import "@hono/zod-openapi";

import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe } from "vitest";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";
import { registerAgent } from "../../../agent/control-plane/register.ts";
import { clusters } from "../../../drizzle/schema/index.ts";
import { issueRegistrationToken } from "../../../functions/services/clusters/registration-token.ts";
import {
  bumpStateVersions,
  publishStateVersions,
} from "../../../functions/services/clusters/state-version.ts";
import { RotatedCredentialSchema } from "../../../proto/agent-api.ts";
import { IN_USE_STATES } from "../../../proto/machine-states.ts";
import { PROVIDER_ID_PREFIX } from "../../../proto/provider-id.ts";
import { startTestApi, TEST_API_DRIVERS, type TestApi } from "../../support/api.ts";
import {
  type ControlPlaneSubject,
  describeControlPlaneContract,
} from "../../support/contracts/control-plane-contract.ts";
import { seedCluster, seedMachine, seedPool, testContext } from "../../support/fixtures.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.each(TEST_API_DRIVERS)("the real control plane on %s", (driver) => {
  const skip = driver === "node-postgres" && !ok;
  let api: TestApi;
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    if (skip) return;
    api = await startTestApi({ driver });
    server = await new Promise<Server>((resolve) => {
      const s = serve({ fetch: api.app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s as Server));
    });
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    await api?.close();
  });

  /** The agent's client with one attempt per call: a refusal is seen as the control plane gave it. */
  const connect = (credential: () => string) =>
    createHttpControlPlane({ baseUrl, credential, timeoutMs: 10_000, attempts: 1 });

  async function realSubject(): Promise<ControlPlaneSubject> {
    const { db } = api.database;
    const cluster = await seedCluster(db);
    let credential = await api.agentCredentialFor(cluster.id);
    // free inventory is shared by every cluster of the database: this subject's pools take only its own
    const tag = `contract-${cluster.id}`;
    /** An operator's change: the agent must see it on its next poll. */
    const changed = async () => {
      const versions = await bumpStateVersions(db, [cluster.id]);
      await publishStateVersions(testContext(db, { coordination: api.deps.coordination }), versions);
    };

    return {
      clusterId: cluster.id,
      clusterName: cluster.name,
      controlPlane: connect(() => credential),
      async addPool(input = {}) {
        const pool = await seedPool(db, cluster.id, {
          ...input,
          hardwareRequirements: { machineLabels: { contract: tag } },
        });
        await changed();
        return pool.id;
      },
      async addPoolMachines(poolId, count, input = {}) {
        const status = input.status ?? "available";
        const ids: string[] = [];
        for (let i = 0; i < count; i++) {
          const id = randomUUID();
          await seedMachine(db, {
            id,
            clusterId: cluster.id,
            poolId,
            status,
            labels: { contract: tag },
            hostKeyFingerprint: input.hostKeyFingerprint ?? null,
            providerId: IN_USE_STATES.includes(status) ? `${PROVIDER_ID_PREFIX}${id}` : null,
            drainIntent: input.drainIntent ?? null,
            nodeName: input.nodeName ?? null,
          });
          ids.push(id);
        }
        await changed();
        return ids;
      },
      async addFreeMachines(count) {
        const ids: string[] = [];
        for (let i = 0; i < count; i++) ids.push((await seedMachine(db, { labels: { contract: tag } })).id);
        return ids;
      },
      async issueRegistrationToken() {
        const issued = await issueRegistrationToken(new Date(), 3_600_000);
        await db
          .update(clusters)
          .set({
            registrationTokenHash: issued.registrationTokenHash,
            registrationTokenExpiresAt: issued.registrationTokenExpiresAt,
          })
          .where(eq(clusters.id, cluster.id));
        return issued.registrationToken;
      },
      async register(input) {
        const registration = await registerAgent({
          baseUrl,
          ...input,
          agentVersion: "0.0.0-contract",
          kubernetesVersion: "v1.31.0",
        });
        credential = registration.credential;
        return registration;
      },
      connect: (held) => connect(() => held),
      async rotateCredential() {
        const res = await fetch(`${baseUrl}/v1/agent/credential/rotate`, {
          method: "POST",
          headers: { authorization: `Bearer ${credential}` },
        });
        if (res.status !== 201) throw new Error(`rotate answered ${res.status}: ${await res.text()}`);
        credential = RotatedCredentialSchema.parse(await res.json()).credential;
        return credential;
      },
    };
  }

  describe.skipIf(skip)("through the agent's HTTP client", () => {
    describeControlPlaneContract(`HttpControlPlane, ${driver}`, realSubject);
  });
});
