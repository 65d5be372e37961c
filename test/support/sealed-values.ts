/**
 * Secrets at rest for rotation tests: keys by id, a ServiceContext that
 * carries a keyring, values stored through the real services (SSH keys
 * through the SSH key store, kubeconfigs through the kubeconfig store), and
 * a reader that opens every stored value through the same code the control
 * plane reads them with.
 */
import { randomBytes } from "node:crypto";
import { eq } from "drizzle-orm";
import type { Db } from "../../drizzle/client.ts";
import { clusterKubeconfigs } from "../../drizzle/schema/cluster-kubeconfigs.ts";
import { sshKeys } from "../../drizzle/schema/ssh-keys.ts";
import { MemoryCoordination } from "../../functions/lib/coordination/memory.ts";
import type { Coordination } from "../../functions/lib/coordination/types.ts";
import type { EncryptionKey } from "../../functions/lib/crypto/encryption-keys.ts";
import type { Keyring } from "../../functions/lib/crypto/keyring.ts";
import { generateEd25519 } from "../../functions/lib/ssh-keys/generate-ed25519.ts";
import { loadKubeconfig, storeKubeconfig } from "../../functions/services/clusters/kubeconfig-store.ts";
import type { ServiceContext } from "../../functions/services/context.ts";
import { createSshKey } from "../../functions/services/ssh-keys/create-ssh-key.ts";
import { openSshKeySecret } from "../../functions/services/ssh-keys/ssh-key-secret.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import { createMemoryLogger } from "../../shared/logger.ts";
import { seedCluster } from "./fixtures.ts";
import { tokenKubeconfig } from "./kubeconfig-fixtures.ts";

/** A fresh random key with this id. */
export function testKey(id: string): EncryptionKey {
  return { id, key: new Uint8Array(randomBytes(32)) };
}

/** The KSP_ENCRYPTION_KEYS spelling of keys, newest first. */
export function keysVariable(keys: readonly EncryptionKey[]): string {
  return keys.map((k) => `${k.id}:${Buffer.from(k.key).toString("base64")}`).join(",");
}

export function secretsContext(
  db: Db,
  encryption: Keyring | undefined,
  opts: { coordination?: Coordination; clock?: Clock } = {},
): ServiceContext & { logger: ReturnType<typeof createMemoryLogger> } {
  const clock = opts.clock ?? systemClock;
  return {
    db,
    clock,
    logger: createMemoryLogger("debug"),
    coordination: opts.coordination ?? new MemoryCoordination(clock, { soleReplica: true }),
    requestId: `test-${crypto.randomUUID()}`,
    actor: "test",
    ...(encryption ? { encryption } : {}),
  };
}

export interface StoredSecret {
  table: "ssh_keys" | "cluster_kubeconfigs";
  id: string;
  /** what the value opens to: the private key, or the kubeconfig's token */
  secret: string;
}

/** `sshKeys` SSH keys and `kubeconfigs` clusters with a kubeconfig, stored through the real services. */
export async function storeSecrets(
  ctx: ServiceContext,
  counts: { sshKeys: number; kubeconfigs: number },
): Promise<StoredSecret[]> {
  const stored: StoredSecret[] = [];
  for (let i = 0; i < counts.sshKeys; i++) {
    const name = `key-${randomBytes(6).toString("hex")}`;
    const { privateKey } = await generateEd25519(name);
    const view = await createSshKey({ ctx, input: { name, privateKey } });
    stored.push({ table: "ssh_keys", id: view.id, secret: privateKey.trim() });
  }
  for (let i = 0; i < counts.kubeconfigs; i++) {
    const cluster = await seedCluster(ctx.db);
    const { yaml, token } = tokenKubeconfig();
    await storeKubeconfig({ ctx, input: { clusterId: cluster.id, kubeconfig: yaml } });
    stored.push({ table: "cluster_kubeconfigs", id: cluster.id, secret: token });
  }
  return stored;
}

/** Opens one stored value as the control plane does; throws as it would. */
export async function openStored(
  ctx: ServiceContext,
  value: Pick<StoredSecret, "table" | "id">,
): Promise<string> {
  if (value.table === "cluster_kubeconfigs") {
    const loaded = await loadKubeconfig(ctx, value.id);
    if (!loaded) throw new Error(`cluster ${value.id} has no kubeconfig`);
    const { auth } = loaded.kubeconfig;
    if (auth.kind !== "token") throw new Error(`cluster ${value.id}: not a token kubeconfig`);
    return auth.token;
  }
  const [row] = await ctx.db
    .select({ ciphertext: sshKeys.secretCiphertext })
    .from(sshKeys)
    .where(eq(sshKeys.id, value.id));
  if (!row) throw new Error(`SSH key ${value.id} is gone`);
  return (await openSshKeySecret(ctx.encryption!, value.id, row.ciphertext)).privateKey.trim();
}

/** The key id every stored value names, by `table:id`. */
export async function storedKeyIdsById(db: Db): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const r of await db.select({ id: sshKeys.id, keyId: sshKeys.encryptionKeyId }).from(sshKeys))
    out.set(`ssh_keys:${r.id}`, r.keyId);
  for (const r of await db
    .select({ id: clusterKubeconfigs.clusterId, keyId: clusterKubeconfigs.encryptionKeyId })
    .from(clusterKubeconfigs))
    out.set(`cluster_kubeconfigs:${r.id}`, r.keyId);
  return out;
}
