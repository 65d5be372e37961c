import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { tstz } from "./columns.ts";

/**
 * How a request ended: `pending` is the write-ahead intent the audit
 * middleware inserts before the handler runs; it becomes `success` or
 * `failure` once the response is known. A row left `pending` records a
 * request that was attempted whose outcome was never recorded (a crash or a
 * failed audit update after the handler ran).
 */
export const AUDIT_RESULTS = ["success", "failure", "pending"] as const;
export type AuditResult = (typeof AUDIT_RESULTS)[number];

/**
 * Who did what, when and from where. A /v1 request's row is written before the
 * request is carried out (`pending`), completed by the service in the
 * transaction of its change, and given the HTTP status afterwards; an agent
 * batch whose items commit one by one keeps its one row current until the
 * batch ends. Jobs' rows are written once, with their change. Rows are never
 * updated after their request or job ends. They outlive the resources they
 * mention, so there are no foreign keys.
 */
export const auditLogs = pgTable(
  "audit_logs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    at: tstz("at").notNull().defaultNow(),
    // e.g. "token:<id>", "agent:<cluster-id>", "system"
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    resourceType: text("resource_type").notNull(),
    resourceId: text("resource_id"),
    clusterId: uuid("cluster_id"),
    result: text("result").$type<AuditResult>().notNull(),
    statusCode: integer("status_code"),
    changes: jsonb("changes").$type<Record<string, unknown>>().notNull().default({}),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
  },
  (t) => [
    index("audit_logs_at_idx").on(t.at),
    index("audit_logs_actor_at_idx").on(t.actor, t.at),
    index("audit_logs_resource_idx").on(t.resourceType, t.resourceId),
    check("audit_logs_result_ck", sql`${t.result} in ('success', 'failure', 'pending')`),
  ],
);

export type AuditLog = typeof auditLogs.$inferSelect;
export type NewAuditLog = typeof auditLogs.$inferInsert;
