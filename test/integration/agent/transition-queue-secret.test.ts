/**
 * The transition queue kept in the credential Secret (a key beside the
 * credential: transition-queue-store.ts), through @kubernetes/client-node
 * against the in-memory Kubernetes API test server, reached through a
 * kubeconfig file as the agent reaches it.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api, type V1Secret } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CREDENTIAL_SECRET_KEY,
  createSecretCredentialStore,
} from "../../../agent/control-plane/secret-credential-store.ts";
import { loadKubeConfig } from "../../../agent/kubernetes/kube-config.ts";
import type { SecretsApi } from "../../../agent/kubernetes/secret-keys.ts";
import { createStateStore } from "../../../agent/state/store.ts";
import { createTransitionQueue } from "../../../agent/state/transition-queue.ts";
import {
  createSecretQueuePersistence,
  TRANSITION_QUEUE_SECRET_KEY,
} from "../../../agent/state/transition-queue-store.ts";
import { createLogger } from "../../../shared/logger.ts";
import { FakeControlPlane } from "../../support/agent/fake-control-plane.ts";
import { fixtureMachine, fixturePool } from "../../support/agent/fixtures.ts";
import { type KubeApiServer, startKubeApiServer } from "../../support/kube-api/index.ts";

const NAMESPACE = "kube-system";
const NAME = "ksp-agent-credential";
const CREDENTIAL = { clusterId: "0b9f3c4e-8d2a-4f6b-9a1c-2e3d4f5a6b7c", credential: "ksp_agt_Secret123" };

describe("transition queue in the credential Secret", () => {
  let kube: KubeApiServer;
  let dir: string;
  let core: CoreV1Api;

  beforeAll(async () => {
    kube = await startKubeApiServer({ requireToken: "agent-sa-token" });
    dir = await mkdtemp(join(tmpdir(), "ksp-kubeconfig-"));
    const path = join(dir, "kubeconfig");
    await writeFile(path, kube.kubeConfig().exportConfig(), { mode: 0o600 });
    core = loadKubeConfig(path).makeApiClient(CoreV1Api);
  });
  afterAll(async () => {
    await kube?.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await core.deleteNamespacedSecret({ name: NAME, namespace: NAMESPACE }).catch(() => {});
  });

  const createEmptySecret = () =>
    core.createNamespacedSecret({ namespace: NAMESPACE, body: { metadata: { name: NAME }, type: "Opaque" } });
  const persistence = (api: SecretsApi = core) =>
    createSecretQueuePersistence(api, { namespace: NAMESPACE, name: NAME });
  const secretKeys = async () =>
    Object.keys((await core.readNamespacedSecret({ name: NAME, namespace: NAMESPACE })).data ?? {}).sort();

  it("reads nothing from the empty Secret, keeps what it writes beside the credential, and never touches the credential", async () => {
    await createEmptySecret();
    const credentials = createSecretCredentialStore(core, { namespace: NAMESPACE, name: NAME });
    await credentials.save(CREDENTIAL);
    expect(await persistence().read()).toBeNull();
    await persistence().write('{"format":1,"items":[]}');
    expect(await persistence().read()).toBe('{"format":1,"items":[]}');
    expect(await secretKeys()).toEqual([CREDENTIAL_SECRET_KEY, TRANSITION_QUEUE_SECRET_KEY]);
    // a credential rotation after it keeps the queue, and the queue's writes keep the credential
    await credentials.save({ ...CREDENTIAL, credential: "ksp_agt_Rotated456" });
    expect(await persistence().read()).toBe('{"format":1,"items":[]}');
    await persistence().write('{"format":1,"items":[1]}');
    expect(await credentials.load()).toEqual({ ...CREDENTIAL, credential: "ksp_agt_Rotated456" });
  });

  it("reads nothing when the Secret does not exist, and refuses to write into it, saying how to fix it", async () => {
    expect(await persistence().read()).toBeNull();
    await expect(persistence().write("{}")).rejects.toThrow(
      `Secret ${NAMESPACE}/${NAME} does not exist; create it empty (infra/agent/deployment.yaml does)`,
    );
  });

  it("retries on a concurrent update (e.g. a credential rotation) instead of overwriting it", async () => {
    await createEmptySecret();
    let interfered = false;
    const racing: SecretsApi = {
      readNamespacedSecret: (p) => core.readNamespacedSecret(p),
      replaceNamespacedSecret: async (p) => {
        if (!interfered) {
          interfered = true;
          await createSecretCredentialStore(core, { namespace: NAMESPACE, name: NAME }).save(CREDENTIAL);
        }
        return core.replaceNamespacedSecret(p as { name: string; namespace: string; body: V1Secret });
      },
    };
    await persistence(racing).write("queued");
    expect(interfered).toBe(true);
    expect(await persistence().read()).toBe("queued");
    expect(await createSecretCredentialStore(core, { namespace: NAMESPACE, name: NAME }).load()).toEqual(
      CREDENTIAL,
    );
  });

  it("keeps a queue across a restart of the agent", async () => {
    await createEmptySecret();
    const pool = fixturePool({ name: "p" });
    const m = fixtureMachine({ poolId: pool.id, status: "draining", version: 4 });
    const fake = new FakeControlPlane({ pools: [pool], machines: [m] });
    const run = async () => {
      const store = createStateStore();
      store.replace(fake.snapshot(), fake.etag(), store.mutationMark());
      const queue = createTransitionQueue({
        store,
        controlPlane: fake,
        persistence: persistence(),
        clock: { now: () => new Date() },
        logger: createLogger({ sink: () => {} }),
      });
      await queue.start();
      return { store, queue };
    };
    const first = await run();
    await first.queue.enqueue({ machineId: m.id, from: "draining", to: "leaving", expectedVersion: 4 });
    await first.queue.enqueue({ machineId: m.id, from: "leaving", to: "available", expectedVersion: 5 });

    const second = await run();
    expect(second.queue.size()).toBe(2);
    expect(second.store.view().machinesById.get(m.id)).toMatchObject({ status: "available", version: 6 });
    expect(await second.queue.flush()).toEqual({ applied: 2, dropped: 0 });
    expect(fake.machine(m.id)).toMatchObject({ status: "available", version: 6 });
    expect((await run()).queue.size()).toBe(0);
  });

  it("names the Secret and the status when the API refuses, never the token", async () => {
    const stranger = kube.kubeConfig("wrong-token").makeApiClient(CoreV1Api);
    const err = await persistence(stranger)
      .read()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(new RegExp(`^cannot read Secret ${NAMESPACE}/${NAME}: HTTP 401`));
    expect(err?.message).not.toContain("wrong-token");
  });
});
