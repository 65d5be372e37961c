/**
 * Reading back what a service call left behind, for the tests that check a
 * change and its audit and event rows commit (or roll back) together.
 */
import { eq } from "drizzle-orm";
import { expect } from "vitest";
import type { Db } from "../../drizzle/client.ts";
import { auditLogs, operations } from "../../drizzle/schema/index.ts";
import { AppError } from "../../functions/lib/errors.ts";

export const auditRowsOf = (db: Db, requestId: string) =>
  db.select().from(auditLogs).where(eq(auditLogs.requestId, requestId));

export const eventRowsOf = (db: Db, requestId: string) =>
  db.select().from(operations).where(eq(operations.requestId, requestId));

/** The AppError a call was refused with; fails the test if it succeeded or threw anything else. */
export async function appErrorOf(call: Promise<unknown>): Promise<AppError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}
