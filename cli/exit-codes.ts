/**
 * `ksp` exit codes, the contract scripts rely on (printed by `ksp --help` and
 * listed in the README). An HTTP answer maps to one by its status, so the
 * same failure exits the same way from every command.
 */
export const EXIT_OK = 0;
/** Anything else that failed: a 400/422 the API refused, a 5xx, an import with rows in error, a probe not ok. */
export const EXIT_FAILURE = 1;
/** The command line is wrong (unknown command or flag, missing argument, bad value); nothing was sent. */
export const EXIT_USAGE = 2;
/** 404: the cluster, pool, machine, token or event does not exist (or the token's scope cannot see it). */
export const EXIT_NOT_FOUND = 3;
/** 409 or 412: a conflict (ambiguous name, name taken, a state change not allowed now, a stale version). */
export const EXIT_CONFLICT = 4;
/** 401 or 403: no token, a bad or revoked token, or a role or scope that may not do this. */
export const EXIT_UNAUTHORIZED = 5;
/** The control plane could not be reached (connection refused, DNS, TLS, timeout). */
export const EXIT_UNREACHABLE = 6;
/** `pool wait` gave up: the pool did not reach the size before --timeout. */
export const EXIT_TIMEOUT = 7;

/** The exit code for an HTTP answer outside 2xx. */
export function exitCodeForStatus(status: number): number {
  if (status === 404) return EXIT_NOT_FOUND;
  if (status === 409 || status === 412) return EXIT_CONFLICT;
  if (status === 401 || status === 403) return EXIT_UNAUTHORIZED;
  return EXIT_FAILURE;
}

/** The table `ksp --help` and the README print. */
export const EXIT_CODE_HELP: readonly (readonly [code: number, meaning: string])[] = [
  [EXIT_OK, "success"],
  [EXIT_FAILURE, "failure (API refused the request with 400/422, server error, import rows in error)"],
  [EXIT_USAGE, "usage: unknown command or flag, missing or bad argument; nothing was sent"],
  [EXIT_NOT_FOUND, "not found (HTTP 404)"],
  [
    EXIT_CONFLICT,
    "conflict (HTTP 409/412: ambiguous name, name taken, transition not allowed, stale version)",
  ],
  [EXIT_UNAUTHORIZED, "unauthorized or forbidden (HTTP 401/403)"],
  [EXIT_UNREACHABLE, "control plane unreachable (connection refused, DNS, TLS, timeout)"],
  [EXIT_TIMEOUT, "pool wait: the pool did not reach the size before --timeout"],
];
