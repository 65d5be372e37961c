/**
 * The agent credential kept in a Kubernetes Secret (secret-credential-store.ts),
 * through @kubernetes/client-node against the in-memory Kubernetes API test
 * server, reached the way the agent reaches it: a kubeconfig file
 * (--kubeconfig) loaded by loadKubeConfig.
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
import { type KubeApiServer, startKubeApiServer } from "../../support/kube-api/index.ts";

const NAMESPACE = "kube-system";
const NAME = "ksp-agent-credential";
const CREDENTIAL = {
  clusterId: "0b9f3c4e-8d2a-4f6b-9a1c-2e3d4f5a6b7c",
  credential: "ksp_agt_SuperSecretValue123",
};

describe("agent credential in a Kubernetes Secret", () => {
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

  const createEmptySecret = (data?: Record<string, string>) =>
    core.createNamespacedSecret({
      namespace: NAMESPACE,
      body: { metadata: { name: NAME }, type: "Opaque", data },
    });
  const store = () => createSecretCredentialStore(core, { namespace: NAMESPACE, name: NAME });

  it("loads nothing from the empty Secret the manifests create, then keeps what it saves", async () => {
    await createEmptySecret();
    expect(await store().load()).toBeNull();
    await store().save(CREDENTIAL);
    // a second replica (a new store, as after a restart) reads the same credential
    expect(await store().load()).toEqual(CREDENTIAL);
    const secret = await core.readNamespacedSecret({ name: NAME, namespace: NAMESPACE });
    const stored = JSON.parse(Buffer.from(secret.data![CREDENTIAL_SECRET_KEY]!, "base64").toString());
    expect(stored).toEqual(CREDENTIAL);
  });

  it("loads nothing when the Secret does not exist", async () => {
    expect(await store().load()).toBeNull();
  });

  it("refuses to save into a Secret that does not exist, saying how to fix it", async () => {
    await expect(store().save(CREDENTIAL)).rejects.toThrow(
      `Secret ${NAMESPACE}/${NAME} does not exist; create it empty (infra/agent/deployment.yaml does)`,
    );
  });

  it("keeps the Secret's other keys and replaces an older credential", async () => {
    await createEmptySecret({ note: Buffer.from("kept").toString("base64") });
    await store().save({ ...CREDENTIAL, credential: "ksp_agt_old" });
    await store().save(CREDENTIAL);
    const secret = await core.readNamespacedSecret({ name: NAME, namespace: NAMESPACE });
    expect(Buffer.from(secret.data!.note!, "base64").toString()).toBe("kept");
    expect(await store().load()).toEqual(CREDENTIAL);
  });

  it("retries on a concurrent update instead of overwriting it blindly", async () => {
    await createEmptySecret();
    let interfered = false;
    // another writer changes the Secret between our read and our update, once
    const racing: SecretsApi = {
      readNamespacedSecret: (p) => core.readNamespacedSecret(p),
      replaceNamespacedSecret: async (p) => {
        if (!interfered) {
          interfered = true;
          const current = await core.readNamespacedSecret({ name: NAME, namespace: NAMESPACE });
          await core.replaceNamespacedSecret({
            name: NAME,
            namespace: NAMESPACE,
            body: { ...current, metadata: { ...current.metadata, labels: { touched: "yes" } } } as V1Secret,
          });
        }
        return core.replaceNamespacedSecret(p);
      },
    };
    await createSecretCredentialStore(racing, { namespace: NAMESPACE, name: NAME }).save(CREDENTIAL);
    const secret = await core.readNamespacedSecret({ name: NAME, namespace: NAMESPACE });
    expect(secret.metadata?.labels).toEqual({ touched: "yes" });
    expect(await store().load()).toEqual(CREDENTIAL);
  });

  it("reports a Secret that holds no valid credential without echoing its content", async () => {
    await createEmptySecret({
      [CREDENTIAL_SECRET_KEY]: Buffer.from("not json SuperSecret").toString("base64"),
    });
    const err = await store()
      .load()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toBe(
      `key "${CREDENTIAL_SECRET_KEY}" of Secret ${NAMESPACE}/${NAME} is not JSON; delete it and register again`,
    );
  });

  it("names the Secret and the status when the API refuses, never the token", async () => {
    const stranger = kube.kubeConfig("wrong-token").makeApiClient(CoreV1Api);
    const err = await createSecretCredentialStore(stranger, { namespace: NAMESPACE, name: NAME })
      .load()
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.message).toMatch(new RegExp(`^cannot read Secret ${NAMESPACE}/${NAME}: HTTP 401`));
    expect(err?.message).not.toContain("wrong-token");
  });
});
