/**
 * Lists stored SSH keys by name, keyset-paginated on the (unique) name; `q`
 * searches name and description (a plain substring, case-insensitive).
 */
import { and, asc, gt, ilike, or, type SQL } from "drizzle-orm";
import { sshKeys } from "../../../drizzle/schema/ssh-keys.ts";
import type { ServiceCall } from "../context.ts";
import { likeContaining } from "../like.ts";
import { decodeCursor, type Page, toPage } from "../pagination.ts";
import { type SshKeyView, toSshKeyView } from "./ssh-key-view.ts";

export interface ListSshKeysInput {
  limit: number;
  cursor?: string | undefined;
  q?: string | undefined;
}

export async function listSshKeys({ ctx, input }: ServiceCall<ListSshKeysInput>): Promise<Page<SshKeyView>> {
  const conditions: (SQL | undefined)[] = [];
  if (input.q) {
    const pattern = likeContaining(input.q);
    conditions.push(or(ilike(sshKeys.name, pattern), ilike(sshKeys.description, pattern)));
  }
  if (input.cursor) conditions.push(gt(sshKeys.name, String(decodeCursor(input.cursor, ["name"]).name)));
  const rows = await ctx.db
    .select()
    .from(sshKeys)
    .where(and(...conditions))
    .orderBy(asc(sshKeys.name))
    .limit(input.limit + 1);
  return toPage(rows, input.limit, (r) => ({ name: r.name }), toSshKeyView);
}
