/**
 * An in-memory Lease with the API server's concurrency rules
 * (agent/kubernetes/lease-lock.ts is the real one): every write bumps the
 * resourceVersion, create finds an existing Lease and update a stale version
 * as a LeaseConflict. Several replicas share one FakeLease, each through its
 * own lock, so a test can cut one replica off (`down`) or make its calls
 * hang while the others carry on.
 */
import { KubeError } from "../../../agent/kubernetes/kube-error.ts";
import { LeaseConflict } from "../../../agent/kubernetes/lease-lock.ts";
import type { LeaseLock, LeaseRecord, LeaseSnapshot } from "../../../agent/kubernetes/types.ts";

export interface FakeLeaseLock extends LeaseLock {
  /** calls reject as if the API server were unreachable */
  down: boolean;
  /** calls never answer (until `hang` is set false again, when they proceed) */
  hang: boolean;
  /** every call, oldest first */
  readonly calls: ("get" | "create" | "update")[];
}

export class FakeLease {
  #stored: LeaseSnapshot | null = null;
  #version = 0;
  /** every write that went through, oldest first */
  readonly writes: LeaseRecord[] = [];

  get record(): LeaseRecord | null {
    return this.#stored ? structuredClone(this.#stored.record) : null;
  }

  /** Writes the Lease directly, as another client (or an operator) would. */
  force(record: LeaseRecord): void {
    this.#write(record);
  }

  lock(): FakeLeaseLock {
    const waiters: (() => void)[] = [];
    let hanging = false;
    const call = async <T>(name: "get" | "create" | "update", run: () => T): Promise<T> => {
      lock.calls.push(name);
      await Promise.resolve();
      if (hanging) await new Promise<void>((wake) => waiters.push(wake));
      if (lock.down) throw new KubeError("cannot reach the API server: connect ECONNREFUSED");
      return run();
    };
    const lock: FakeLeaseLock = {
      description: "Lease test/fake",
      down: false,
      calls: [],
      get hang() {
        return hanging;
      },
      set hang(value: boolean) {
        hanging = value;
        if (!value) for (const wake of waiters.splice(0)) wake();
      },
      get: () => call("get", () => (this.#stored ? structuredClone(this.#stored) : null)),
      create: (record) =>
        call("create", () => {
          if (this.#stored) throw new LeaseConflict("Lease test/fake was created by another replica");
          return this.#write(record);
        }),
      update: (version, record) =>
        call("update", () => {
          if (this.#stored?.version !== version) {
            throw new LeaseConflict("Lease test/fake changed since it was read");
          }
          return this.#write(record);
        }),
    };
    return lock;
  }

  #write(record: LeaseRecord): LeaseSnapshot {
    this.#version += 1;
    this.#stored = { record: structuredClone(record), version: String(this.#version) };
    this.writes.push(structuredClone(record));
    return structuredClone(this.#stored);
  }
}
