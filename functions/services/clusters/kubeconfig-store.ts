/**
 * A cluster's imported kubeconfig, sealed at rest. The original text (after
 * base64 decoding) is sealed with the cluster's id as associated data
 * (secrets/sealed-values.ts), so it opens only as that cluster's; beside it
 * are the facts the API shows (server, context, kind of credential), which
 * grant nothing. Replacing it bumps its version in the same statement, so two
 * replacements racing both count and a health check made with the previous
 * kubeconfig can tell it is stale.
 *
 * Audit rows name the server and the kind of credential, never the kubeconfig.
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import {
  type ClusterKubeconfigRow,
  clusterKubeconfigs,
} from "../../../drizzle/schema/cluster-kubeconfigs.ts";
import { clusterStates } from "../../../drizzle/schema/cluster-states.ts";
import { clusters } from "../../../drizzle/schema/clusters.ts";
import { AppError } from "../../lib/errors.ts";
import { readKubeconfig } from "../../lib/kubeconfig/parse.ts";
import type { ParsedKubeconfig } from "../../lib/kubeconfig/types.ts";
import type { ServiceCall, ServiceContext } from "../context.ts";
import { withDbErrors } from "../db-errors.ts";
import { isUuid } from "../machines/ids.ts";
import { requireEncryption } from "../secrets/require-encryption.ts";
import { kubeconfigAad } from "../secrets/sealed-values.ts";
import { withClusterWrite } from "../unit-of-work.ts";
import { clusterAudit } from "./cluster-audit.ts";
import { clusterNotFound } from "./cluster-view.ts";

export interface StoreKubeconfigInput {
  clusterId: string;
  /** YAML, or the base64 of it */
  kubeconfig: string;
}

/** What is known of a stored kubeconfig without opening it. */
export type KubeconfigMetadata = Pick<
  ClusterKubeconfigRow,
  "server" | "contextName" | "authKind" | "hasCertificateAuthority" | "version"
>;

/** A parsed, sealed kubeconfig ready to be written in some transaction. */
export interface SealedKubeconfig {
  clusterId: string;
  ciphertext: string;
  encryptionKeyId: string;
  server: string;
  contextName: string;
  authKind: ParsedKubeconfig["auth"]["kind"];
  hasCertificateAuthority: boolean;
}

const WHAT = "storing a kubeconfig";

/**
 * Parses (400 on anything unusable) and seals a kubeconfig for `clusterId`.
 * A broken kubeconfig is the caller's 400 whether or not a key is
 * configured; only a usable one meets the 503 of a server without a key.
 */
export async function sealKubeconfig(
  ctx: ServiceContext,
  clusterId: string,
  kubeconfig: string,
): Promise<SealedKubeconfig> {
  const { text, parsed } = readKubeconfig(kubeconfig);
  const keyring = requireEncryption(ctx, WHAT);
  return {
    clusterId,
    ciphertext: await keyring.encrypt(text, kubeconfigAad(clusterId)),
    encryptionKeyId: keyring.currentKeyId,
    server: parsed.server,
    contextName: parsed.contextName,
    authKind: parsed.auth.kind,
    hasCertificateAuthority: parsed.certificateAuthorityPem !== undefined,
  };
}

/** Inserts or replaces (version + 1, atomically) inside the caller's transaction. */
export async function upsertKubeconfig(
  tx: Db,
  sealed: SealedKubeconfig,
  now: Date,
): Promise<KubeconfigMetadata> {
  const { clusterId: _id, ...replaced } = sealed;
  const [row] = await tx
    .insert(clusterKubeconfigs)
    .values({ ...sealed, version: 1, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({
      target: clusterKubeconfigs.clusterId,
      set: { ...replaced, version: sql`${clusterKubeconfigs.version} + 1`, updatedAt: now },
    })
    .returning();
  return metadataOf(row!);
}

/** The audit changes of a stored kubeconfig: where it points and how it authenticates, nothing else. */
export function kubeconfigAuditChanges(meta: KubeconfigMetadata): Record<string, unknown> {
  return { server: meta.server, authKind: meta.authKind, version: meta.version };
}

/** Stores (or replaces) the kubeconfig of a live cluster; 404 for a cluster that is not. */
export async function storeKubeconfig({
  ctx,
  input,
}: ServiceCall<StoreKubeconfigInput>): Promise<KubeconfigMetadata> {
  const sealed = await sealKubeconfig(ctx, input.clusterId, input.kubeconfig);
  const now = ctx.clock.now();
  return withDbErrors(() =>
    withClusterWrite(ctx, async (tx, write) => {
      await lockLiveCluster(tx, input.clusterId);
      const meta = await upsertKubeconfig(tx, sealed, now);
      write.audit(clusterAudit("cluster.kubeconfig.set", input.clusterId, kubeconfigAuditChanges(meta)));
      return meta;
    }),
  );
}

/**
 * Opens a cluster's kubeconfig for a check: null when it has none. Throws
 * 503 without a key, DecryptionError when the row does not open (wrong key,
 * tampered), and validation_failed if the stored text no longer parses.
 */
export async function loadKubeconfig(
  ctx: ServiceContext,
  clusterId: string,
): Promise<{ kubeconfig: ParsedKubeconfig; version: number } | null> {
  const [row] = await ctx.db
    .select({ ciphertext: clusterKubeconfigs.ciphertext, version: clusterKubeconfigs.version })
    .from(clusterKubeconfigs)
    .where(eq(clusterKubeconfigs.clusterId, clusterId));
  if (!row) return null;
  const keyring = requireEncryption(ctx, "reading a kubeconfig");
  const text = await keyring.decryptString(row.ciphertext, kubeconfigAad(clusterId));
  return { kubeconfig: readKubeconfig(text).parsed, version: row.version };
}

/** Removes a live cluster's kubeconfig and its last health check; 404 when it has none. */
export async function removeKubeconfig({ ctx, input }: ServiceCall<{ clusterId: string }>): Promise<void> {
  await withDbErrors(() =>
    withClusterWrite(ctx, async (tx, write) => {
      await lockLiveCluster(tx, input.clusterId);
      const [removed] = await tx
        .delete(clusterKubeconfigs)
        .where(eq(clusterKubeconfigs.clusterId, input.clusterId))
        .returning();
      if (!removed) {
        throw new AppError("not_found", `cluster ${input.clusterId} has no kubeconfig`, {
          clusterId: input.clusterId,
        });
      }
      await tx.delete(clusterStates).where(eq(clusterStates.clusterId, input.clusterId));
      write.audit(
        clusterAudit("cluster.kubeconfig.remove", input.clusterId, {
          server: removed.server,
          authKind: removed.authKind,
        }),
      );
    }),
  );
}

/** Locks a live cluster's row until commit, so a concurrent delete waits (or this write sees it gone). */
async function lockLiveCluster(tx: Db, clusterId: string): Promise<void> {
  if (!isUuid(clusterId)) throw clusterNotFound(clusterId);
  const [row] = await tx
    .select({ id: clusters.id })
    .from(clusters)
    .where(and(eq(clusters.id, clusterId), isNull(clusters.deletedAt)))
    .for("update");
  if (!row) throw clusterNotFound(clusterId);
}

function metadataOf(row: ClusterKubeconfigRow): KubeconfigMetadata {
  return {
    server: row.server,
    contextName: row.contextName,
    authKind: row.authKind,
    hasCertificateAuthority: row.hasCertificateAuthority,
    version: row.version,
  };
}
