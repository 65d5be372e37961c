import { sql } from "drizzle-orm";
import { boolean, check, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { createdAt, updatedAt } from "./columns.ts";

export const KUBECONFIG_AUTH_KINDS = ["token", "client-certificate", "basic"] as const;
export type KubeconfigAuthKind = (typeof KUBECONFIG_AUTH_KINDS)[number];

/**
 * A cluster's imported kubeconfig, for the health worker's read-only checks
 * (clusters without an agent, or beside one). The kubeconfig is a credential
 * to the whole cluster: it exists here only as an envelope (lib/crypto) whose
 * associated data is the cluster's id, and no route returns it. The server
 * URL and the kind of credential are kept beside it in plain text because the
 * API shows them and they grant nothing.
 */
export const clusterKubeconfigs = pgTable(
  "cluster_kubeconfigs",
  {
    clusterId: uuid("cluster_id")
      .primaryKey()
      .references(() => clusters.id, { onDelete: "cascade" }),
    ciphertext: text("ciphertext").notNull(),
    encryptionKeyId: text("encryption_key_id").notNull(),
    server: text("server").notNull(),
    contextName: text("context_name").notNull(),
    authKind: text("auth_kind").$type<KubeconfigAuthKind>().notNull(),
    // whether the kubeconfig names its own CA (certificate-authority-data): Workers cannot use one
    hasCertificateAuthority: boolean("has_certificate_authority").notNull().default(false),
    // bumped on every replacement, so a check of the previous kubeconfig cannot overwrite the new one's state
    version: integer("version").notNull().default(1),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index("cluster_kubeconfigs_encryption_key_id_idx").on(t.encryptionKeyId),
    check("cluster_kubeconfigs_auth_kind_ck", sql`${t.authKind} in ('token', 'client-certificate', 'basic')`),
  ],
);

export type ClusterKubeconfigRow = typeof clusterKubeconfigs.$inferSelect;
