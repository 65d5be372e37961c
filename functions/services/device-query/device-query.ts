/**
 * The machines matching a template (inline or stored) AND every extra group,
 * within the caller's scope and the optional cluster, pool and free-inventory
 * filters; oldest first, keyset-paginated on (created_at, id) like
 * GET /v1/machines. The template is compiled to one SQL condition
 * (compile.ts): one query reads the page, one counts every match in scope;
 * nothing is filtered in memory.
 *
 * Scope: an unscoped caller sees every machine; a caller scoped to a cluster
 * sees only that cluster's machines, never the free inventory (the rule of
 * list-machines.ts).
 */
import { and, asc, eq, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "../../../drizzle/client.ts";
import { type Machine, machines } from "../../../drizzle/schema/index.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { microsText, positionFromCursor } from "../events/keyset.ts";
import type { MachineScope } from "../machines/machine-lookup.ts";
import { toPage } from "../pagination.ts";
import { findQueryTemplate } from "../query-templates/template-view.ts";
import { templateCondition } from "./compile.ts";
import {
  canonicalGroups,
  canonicalTemplate,
  checkGroups,
  checkTemplate,
  type QueryGroup,
  type QueryTemplateBody,
} from "./template.ts";

export const DEVICE_QUERY_MAX_LIMIT = 500;

export interface DeviceQueryInput {
  /** exactly one of template and templateId */
  template?: QueryTemplateBody | undefined;
  templateId?: string | undefined;
  /** ANDed with the template */
  extra?: QueryGroup[] | undefined;
  clusterId?: string | undefined;
  poolId?: string | undefined;
  /** true: only the free inventory; false: only assigned machines */
  unassigned?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
  scopeClusterId: MachineScope;
}

export interface DeviceQueryResult {
  items: Machine[];
  nextCursor: string | null;
  /** every match in scope, on every page */
  total: number;
}

export async function deviceQuery({ ctx, input }: ServiceCall<DeviceQueryInput>): Promise<DeviceQueryResult> {
  if (!Number.isInteger(input.limit) || input.limit < 1 || input.limit > DEVICE_QUERY_MAX_LIMIT) {
    throw new AppError("validation_failed", `limit: must be an integer from 1 to ${DEVICE_QUERY_MAX_LIMIT}`, {
      path: "limit",
    });
  }
  const extra = input.extra ?? [];
  checkGroups(extra, "extra");
  const template = await templateOf(ctx.db, input);
  const condition = templateCondition(template, canonicalGroups(extra));

  const scope = scopeConditions(input);
  const page: (SQL | undefined)[] = [...scope, condition];
  if (input.cursor) {
    const { at, id } = positionFromCursor(input.cursor);
    page.push(sql`(${machines.createdAt}, ${machines.id}) > (${at}::timestamptz, ${id}::uuid)`);
  }
  const [rows, counted] = await Promise.all([
    ctx.db
      .select({ machine: machines, at: microsText(machines.createdAt) })
      .from(machines)
      .where(and(...page))
      .orderBy(asc(machines.createdAt), asc(machines.id))
      .limit(input.limit + 1),
    ctx.db
      .select({ total: sql<number>`count(*)`.mapWith(Number) })
      .from(machines)
      .where(and(...scope, condition)),
  ]);
  const { items, nextCursor } = toPage(
    rows,
    input.limit,
    (r) => ({ at: r.at, id: r.machine.id }),
    (r) => r.machine,
  );
  return { items, nextCursor, total: counted[0]?.total ?? 0 };
}

async function templateOf(db: Db, input: DeviceQueryInput): Promise<QueryTemplateBody> {
  const inline = input.template !== undefined && input.template !== null;
  const stored = input.templateId !== undefined && input.templateId !== null;
  if (inline === stored) {
    throw new AppError("validation_failed", "give exactly one of template and templateId", {
      path: inline ? "templateId" : "template",
    });
  }
  if (inline) {
    checkTemplate(input.template!, "template");
    return canonicalTemplate(input.template!);
  }
  const row = await findQueryTemplate(db, input.templateId!);
  // stored templates were checked and made canonical when written
  return { logic: row.logic, groups: row.groups as QueryGroup[] };
}

function scopeConditions(input: DeviceQueryInput): SQL[] {
  // another cluster named by id is refused as by name (the route resolves names within scope)
  if (input.scopeClusterId !== null && input.clusterId && input.clusterId !== input.scopeClusterId) {
    throw new AppError("not_found", `cluster ${input.clusterId} not found`, { clusterId: input.clusterId });
  }
  const conditions: SQL[] = [];
  if (input.scopeClusterId !== null) conditions.push(eq(machines.clusterId, input.scopeClusterId));
  if (input.clusterId) conditions.push(eq(machines.clusterId, input.clusterId));
  if (input.poolId) conditions.push(eq(machines.poolId, input.poolId));
  if (input.unassigned === true) conditions.push(isNull(machines.clusterId));
  if (input.unassigned === false) conditions.push(sql`${machines.clusterId} is not null`);
  return conditions;
}
