/**
 * Lists API tokens (revoked and expired ones too: they are history), oldest
 * first, keyset-paginated on (created_at, id) with a microsecond cursor.
 */
import { and, asc, eq, type SQL, sql } from "drizzle-orm";
import { type ApiTokenRole, apiTokens } from "../../../drizzle/schema/api-tokens.ts";
import { AppError } from "../../lib/errors.ts";
import type { ServiceCall } from "../context.ts";
import { isUuid } from "../machines/ids.ts";
import { type CursorValues, decodeCursor, type Page, toPage } from "../pagination.ts";
import { type ApiTokenView, toApiTokenView } from "./token-view.ts";

export interface ListTokensInput {
  limit: number;
  cursor?: string | undefined;
  role?: ApiTokenRole | undefined;
  clusterId?: string | undefined;
  /** a cluster-scoped caller sees only tokens of its cluster */
  scopeClusterId: string | null;
}

const CURSOR_KEYS = ["at", "id"] as const;
const MICROS_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const createdAtText = sql<string>`to_char(${apiTokens.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

function afterCursor(cursor: string): SQL {
  const { at, id } = decodeCursor(cursor, CURSOR_KEYS);
  if (typeof at !== "string" || !MICROS_ISO.test(at) || typeof id !== "string" || !isUuid(id)) {
    throw new AppError("validation_failed", "cursor is not valid; start again without it");
  }
  return sql`(${apiTokens.createdAt}, ${apiTokens.id}) > (${at}::timestamptz, ${id}::uuid)`;
}

export async function listTokens({ ctx, input }: ServiceCall<ListTokensInput>): Promise<Page<ApiTokenView>> {
  const conditions: SQL[] = [];
  if (input.scopeClusterId !== null) conditions.push(eq(apiTokens.clusterId, input.scopeClusterId));
  if (input.clusterId !== undefined) conditions.push(eq(apiTokens.clusterId, input.clusterId));
  if (input.role !== undefined) conditions.push(eq(apiTokens.role, input.role));
  if (input.cursor) conditions.push(afterCursor(input.cursor));

  const rows = await ctx.db
    .select({ token: apiTokens, at: createdAtText })
    .from(apiTokens)
    .where(and(...conditions))
    .orderBy(asc(apiTokens.createdAt), asc(apiTokens.id))
    .limit(input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (r): CursorValues => ({ at: r.at, id: r.token.id }),
    (r) => toApiTokenView(r.token),
  );
}
