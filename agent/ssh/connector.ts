/**
 * The SSH connection pool (issue 5). Connections are keyed `user@host:port`;
 * a session lends one connection to one caller until release(). At most
 * `maxPerHost` connections per key exist; further callers wait in order.
 * Released connections idle until `idleTimeoutMs`, keepalives find dead
 * peers, and a connection that errors or closes leaves the pool at once.
 */
import { type Clock, systemClock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { openConnection, poolKey, type SshConnection } from "./connection.ts";
import { decideHostKey } from "./host-key.ts";
import { LentSession } from "./session.ts";
import {
  type HostKeyPolicy,
  type PooledSession,
  type SshConnector,
  SshError,
  type SshTarget,
} from "./types.ts";

export interface SshConnectorOptions {
  policy: HostKeyPolicy;
  maxPerHost: number;
  idleTimeoutMs: number;
  keepaliveIntervalMs: number;
  connectTimeoutMs: number;
  logger: Logger;
  clock?: Clock;
}

interface Waiter {
  target: SshTarget;
  onPinned?: (fingerprint: string) => void;
  resolve: (session: PooledSession) => void;
  reject: (err: SshError) => void;
}

interface HostPool {
  idle: Map<SshConnection, NodeJS.Timeout>;
  busy: Set<SshConnection>;
  opening: number;
  waiters: Waiter[];
}

export function createSshConnector(options: SshConnectorOptions): SshConnector {
  if (!Number.isInteger(options.maxPerHost) || options.maxPerHost < 1) {
    throw new SshError("precondition", `maxPerHost must be a positive integer, got ${options.maxPerHost}`);
  }
  const { logger, policy } = options;
  const clock = options.clock ?? systemClock;
  const now = () => clock.now().getTime();
  const pools = new Map<string, HostPool>();
  const handshakes = new Map<string, number>();
  let closed = false;

  const poolFor = (key: string): HostPool => {
    let pool = pools.get(key);
    if (!pool) {
      pool = { idle: new Map(), busy: new Set(), opening: 0, waiters: [] };
      pools.set(key, pool);
    }
    return pool;
  };

  const size = (p: HostPool) => p.idle.size + p.busy.size + p.opening;

  function drop(key: string, connection: SshConnection, reason: string): void {
    const pool = pools.get(key);
    if (!pool) return;
    clearTimeout(pool.idle.get(connection));
    const known = pool.idle.delete(connection) || pool.busy.delete(connection);
    if (known) logger.debug("ssh connection dropped", { target: key, reason });
    pump(key);
  }

  function park(key: string, pool: HostPool, connection: SshConnection): void {
    const timer = setTimeout(() => {
      logger.debug("ssh connection idle, closing", { target: key });
      void connection.close();
    }, options.idleTimeoutMs);
    timer.unref();
    pool.idle.set(connection, timer);
  }

  function lend(key: string, pool: HostPool, connection: SshConnection, waiter: Waiter): void {
    const { target } = waiter;
    const decision = decideHostKey(policy, target.pinnedFingerprint, connection.fingerprint, key);
    if (!decision.accept) {
      park(key, pool, connection);
      waiter.reject(new SshError("host-key", decision.reason));
      return;
    }
    pool.busy.add(connection);
    if (decision.learned) notifyPinned(key, waiter, connection.fingerprint);
    const onRelease = (c: SshConnection) => release(key, c);
    waiter.resolve(new LentSession(connection, { username: target.username, now, onRelease }));
  }

  /** A throwing listener must not strand the caller without its session. */
  function notifyPinned(key: string, waiter: Waiter, fingerprint: string): void {
    try {
      waiter.onPinned?.(fingerprint);
    } catch (err) {
      logger.error("onPinned listener failed", { target: key, fingerprint, error: err });
    }
  }

  function release(key: string, connection: SshConnection): void {
    const pool = pools.get(key);
    if (!pool?.busy.delete(connection)) return; // already dropped as dead
    if (closed || !connection.isAlive) void connection.close();
    else park(key, pool, connection);
    pump(key);
  }

  function open(key: string, pool: HostPool, waiter: Waiter): void {
    pool.opening++;
    handshakes.set(key, (handshakes.get(key) ?? 0) + 1);
    const started = now();
    openConnection(waiter.target, options).then(
      (connection) => {
        pool.opening--;
        logger.debug("ssh connected", { target: key, handshakeMs: now() - started });
        if (closed) {
          void connection.close();
          waiter.reject(new SshError("connection", "the SSH connector is closed", { retryable: false }));
          return;
        }
        connection.onDeath((reason) => drop(key, connection, reason));
        lend(key, pool, connection, waiter);
      },
      (err: SshError) => {
        pool.opening--;
        logger.warn("ssh connection failed", { target: key, errorClass: err.errorClass, error: err.message });
        waiter.reject(err);
        pump(key);
      },
    );
  }

  /** Serves waiters: an idle connection first, else a new one while under the limit. */
  function pump(key: string): void {
    const pool = poolFor(key);
    while (pool.waiters.length > 0) {
      const reusable = [...pool.idle.keys()].reverse().find((c) => c.isAlive);
      if (reusable) {
        clearTimeout(pool.idle.get(reusable));
        pool.idle.delete(reusable);
        lend(key, pool, reusable, pool.waiters.shift()!);
      } else if (size(pool) < options.maxPerHost) {
        open(key, pool, pool.waiters.shift()!);
      } else {
        break;
      }
    }
    if (size(pool) === 0 && pool.waiters.length === 0) pools.delete(key);
  }

  return {
    session(target, sessionOptions) {
      if (closed)
        return Promise.reject(
          new SshError("connection", "the SSH connector is closed", { retryable: false }),
        );
      const key = poolKey(target);
      return new Promise<PooledSession>((resolve, reject) => {
        poolFor(key).waiters.push({ target, onPinned: sessionOptions?.onPinned, resolve, reject });
        pump(key);
      });
    },
    handshakes: () => new Map(handshakes),
    async close() {
      closed = true;
      const closing: Promise<void>[] = [];
      for (const pool of pools.values()) {
        for (const waiter of pool.waiters.splice(0)) {
          waiter.reject(new SshError("connection", "the SSH connector is closed", { retryable: false }));
        }
        for (const timer of pool.idle.values()) clearTimeout(timer);
        for (const connection of [...pool.idle.keys(), ...pool.busy]) closing.push(connection.close());
      }
      await Promise.all(closing);
    },
  };
}
