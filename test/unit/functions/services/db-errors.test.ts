import { messages as pgliteMessages } from "@electric-sql/pglite";
import { DatabaseError as NeonDatabaseError } from "@neondatabase/serverless";
import { DrizzleQueryError } from "drizzle-orm/errors";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { DatabaseOpenError } from "../../../../drizzle/errors.ts";
import { AppError } from "../../../../functions/lib/errors.ts";
import { mapDbError, postgresErrorOf, withDbErrors } from "../../../../functions/services/db-errors.ts";

interface Fields {
  code: string;
  message?: string;
  constraint?: string;
  column?: string;
  detail?: string;
}

type Make = (f: Fields) => Error;

function fill<E extends Error>(err: E, f: Fields): E {
  return Object.assign(err, { code: f.code, constraint: f.constraint, column: f.column, detail: f.detail });
}

/** The error classes each driver really throws, plus drizzle's wrapper around one. */
const DRIVERS: [string, Make][] = [
  ["pg", (f) => fill(new pg.DatabaseError(f.message ?? "boom", 0, "error"), f)],
  ["neon", (f) => fill(new NeonDatabaseError(f.message ?? "boom", 0, "error"), f)],
  ["pglite", (f) => fill(new pgliteMessages.DatabaseError(f.message ?? "boom", 0, "error"), f)],
  [
    "drizzle(pg)",
    (f) =>
      new DrizzleQueryError(
        "insert into x",
        [],
        fill(new pg.DatabaseError(f.message ?? "boom", 0, "error"), f),
      ),
  ],
];

const SIMPLE: [string, string][] = [
  ["23505", "conflict"],
  ["23001", "conflict"],
  ["23514", "validation_failed"],
  ["22P02", "validation_failed"],
  ["22003", "validation_failed"],
  ["22001", "validation_failed"],
  ["22007", "validation_failed"],
  ["22008", "validation_failed"],
  ["40001", "conflict"],
  ["40P01", "conflict"],
];

describe.each(DRIVERS)("mapDbError on %s errors", (_name, make) => {
  it.each(SIMPLE)("SQLSTATE %s → %s", (sqlstate, code) => {
    const original = make({ code: sqlstate, constraint: "things_name_uq", column: "name" });
    const mapped = mapDbError(original);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped?.code).toBe(code);
    expect(mapped?.details).toMatchObject({ sqlstate, constraint: "things_name_uq", column: "name" });
    expect(mapped?.message).toContain("things_name_uq");
    expect(mapped?.cause).toBe(original);
  });

  it("marks serialization failures and deadlocks as retryable, nothing else", () => {
    expect(mapDbError(make({ code: "40001" }))?.details?.retry).toBe(true);
    expect(mapDbError(make({ code: "40P01" }))?.details?.retry).toBe(true);
    expect(mapDbError(make({ code: "23505" }))?.details?.retry).toBeUndefined();
  });

  it("reads a foreign key violation on write as not_found, on delete as conflict", () => {
    const onWrite = make({
      code: "23503",
      message: 'insert or update on table "machines" violates foreign key constraint "machines_cluster_fk"',
      detail: 'Key (cluster_id)=(0f…) is not present in table "clusters".',
      constraint: "machines_cluster_fk",
    });
    const onDelete = make({
      code: "23503",
      message: 'update or delete on table "clusters" violates foreign key constraint "machines_cluster_fk"',
      detail: 'Key (id)=(0f…) is still referenced from table "machines".',
      constraint: "machines_cluster_fk",
    });
    expect(mapDbError(onWrite)?.code).toBe("not_found");
    expect(mapDbError(onDelete)?.code).toBe("conflict");
    expect(mapDbError(make({ code: "23503", message: "localised text" }))?.code).toBe("conflict");
  });

  it("leaves other SQLSTATEs alone", () => {
    for (const sqlstate of ["42P01", "53300", "57P01", "08006", "XX000", "23502"]) {
      expect(mapDbError(make({ code: sqlstate }))).toBeNull();
    }
  });

  it("never copies the row values of Postgres' detail into the AppError", () => {
    const mapped = mapDbError(
      make({ code: "23505", detail: "Key (token_hash)=(secret-hash) already exists.", constraint: "uq" }),
    );
    expect(JSON.stringify(mapped?.details)).not.toContain("secret-hash");
    expect(mapped?.message).not.toContain("secret-hash");
  });
});

describe("mapDbError on anything else", () => {
  it("returns null for non-database errors and values", () => {
    const econn = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
    const epipe = Object.assign(new Error("write EPIPE"), { code: "EPIPE" });
    for (const value of [new Error("x"), econn, epipe, "23505", 23505, null, undefined, { code: 23505 }]) {
      expect(mapDbError(value)).toBeNull();
    }
  });

  it("keeps AppErrors as they are, even when caused by a database error", () => {
    const own = new AppError("conflict", "a cluster named x exists", undefined, {
      cause: fill(new pg.DatabaseError("dup", 0, "error"), { code: "23505" }),
    });
    expect(mapDbError(own)).toBeNull();
  });

  it("walks a chain of wrappers to the driver error", () => {
    const driver = fill(new pg.DatabaseError("dup", 0, "error"), { code: "23505", constraint: "c" });
    const wrapped = new Error("outer", { cause: new Error("middle", { cause: driver }) });
    expect(postgresErrorOf(wrapped)?.code).toBe("23505");
    expect(mapDbError(wrapped)?.code).toBe("conflict");
  });

  it("stops on a cyclic cause chain", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    Object.assign(a, { cause: b });
    expect(mapDbError(a)).toBeNull();
  });
});

describe("mapDbError on drizzle's DatabaseOpenError", () => {
  it("becomes the AppError with the same code, message and details (the HTTP edge's mapping)", () => {
    const unreachable = new DatabaseOpenError(
      "dependency_unavailable",
      "database unreachable at h:5432/ksp",
      {
        host: "h",
        port: 5432,
      },
    );
    const mapped = mapDbError(unreachable);
    expect(mapped).toBeInstanceOf(AppError);
    expect(mapped).toMatchObject({
      code: "dependency_unavailable",
      message: "database unreachable at h:5432/ksp",
      details: { host: "h", port: 5432 },
    });
    expect(mapped?.cause).toBe(unreachable);

    const owned = mapDbError(new DatabaseOpenError("conflict", "another ksp server owns the data dir"));
    expect(owned?.code).toBe("conflict");
  });
});

describe("withDbErrors", () => {
  it("returns what the work returns", async () => {
    await expect(withDbErrors(async () => 42)).resolves.toBe(42);
  });

  it("rethrows mapped errors as AppErrors and others untouched", async () => {
    const dup = fill(new pg.DatabaseError("dup", 0, "error"), { code: "23505" });
    const mapped = await withDbErrors(() => Promise.reject(dup)).catch((e: unknown) => e);
    expect(mapped).toBeInstanceOf(AppError);
    expect((mapped as AppError).code).toBe("conflict");

    const other = new Error("disk on fire");
    await expect(withDbErrors(() => Promise.reject(other))).rejects.toBe(other);
  });
});
