import { sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { clusters } from "./clusters.ts";
import { createdAt, tstz } from "./columns.ts";

export const API_TOKEN_ROLES = ["admin", "operator", "viewer"] as const;
export type ApiTokenRole = (typeof API_TOKEN_ROLES)[number];

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    // SHA-256 of the full token; the token itself is shown once and never stored
    tokenHash: text("token_hash").notNull(),
    // the first characters, so people can tell tokens apart in lists
    displayPrefix: text("display_prefix").notNull(),
    role: text("role").$type<ApiTokenRole>().notNull(),
    // null: every cluster; otherwise the token only reaches this cluster
    clusterId: uuid("cluster_id").references(() => clusters.id, { onDelete: "cascade" }),
    expiresAt: tstz("expires_at"),
    revokedAt: tstz("revoked_at"),
    lastUsedAt: tstz("last_used_at"),
    createdBy: text("created_by"),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex("api_tokens_token_hash_uq").on(t.tokenHash),
    index("api_tokens_cluster_idx").on(t.clusterId),
    check("api_tokens_role_ck", sql`${t.role} in ('admin', 'operator', 'viewer')`),
  ],
);

export type ApiToken = typeof apiTokens.$inferSelect;
export type NewApiToken = typeof apiTokens.$inferInsert;
