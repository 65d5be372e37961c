/**
 * Database errors a machine write can cause, as the errors clients should
 * see. The live-address unique index gets its own message, because "a
 * resource with the same unique value" does not tell an operator which one.
 */
import { AppError } from "../../lib/errors.ts";
import { mapDbError, postgresErrorOf } from "../db-errors.ts";

const LIVE_IP_INDEX = "machines_ip_live_uq";

export function machineWriteError(err: unknown, ip: string | null): unknown {
  const pgError = postgresErrorOf(err);
  if (pgError?.code === "23505" && pgError.constraint === LIVE_IP_INDEX) {
    return new AppError(
      "conflict",
      ip === null
        ? "another live machine already has this machine's IP address"
        : `another live machine already has IP ${ip}`,
      { ip, constraint: LIVE_IP_INDEX },
      { cause: err },
    );
  }
  return mapDbError(err) ?? err;
}

/** Runs a write, turning the database errors it may cause into AppErrors. */
export async function withMachineWriteErrors<T>(ip: string | null, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw machineWriteError(err, ip);
  }
}
