/**
 * The leader-election Lease (coordination.k8s.io/v1) as a lock: read it,
 * create it, or replace the version we read. The API server's optimistic
 * concurrency is the whole arbitration: a create that finds the Lease, or a
 * replace whose resourceVersion is stale, answers 409 and becomes
 * LeaseConflict ("someone else wrote first"), which the election treats as
 * a lost round rather than a failure.
 *
 * Time fields are MicroTime on the wire: exactly six fractional digits. The
 * API server refuses a plain Date's three ("cannot parse ... as .000000"),
 * so we send client-node's V1MicroTime; it deserializes them as strings,
 * so reads parse whatever comes back.
 */
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from "@kubernetes/client-node";
import { KubeError, kubeError } from "./kube-error.ts";
import type { LeaseLock, LeaseRecord, LeaseSnapshot } from "./types.ts";

export type LeasesApi = Pick<
  CoordinationV1Api,
  "readNamespacedLease" | "createNamespacedLease" | "replaceNamespacedLease"
>;

export interface LeaseLocation {
  namespace: string;
  name: string;
}

/** Someone else created or wrote the Lease since we read it: not an error, a lost race. */
export class LeaseConflict extends KubeError {
  constructor(message: string) {
    super(message, { status: 409, reason: "Conflict" });
    this.name = "LeaseConflict";
  }
}

function timeOf(value: unknown): Date | null {
  if (value === undefined || value === null || value === "") return null;
  const at = value instanceof Date ? value : new Date(String(value));
  return Number.isNaN(at.getTime()) ? null : at;
}

/** The record a Lease holds; missing fields read as "nobody holds it". */
export function leaseRecordOf(lease: V1Lease): LeaseRecord {
  const spec = lease.spec ?? {};
  return {
    holderIdentity: spec.holderIdentity ?? "",
    leaseDurationSeconds: spec.leaseDurationSeconds ?? 0,
    acquireTime: timeOf(spec.acquireTime),
    renewTime: timeOf(spec.renewTime),
    leaseTransitions: spec.leaseTransitions ?? 0,
  };
}

const microTime = (at: Date | null) => (at === null ? undefined : new V1MicroTime(at.getTime()));

function leaseBody(at: LeaseLocation, record: LeaseRecord, resourceVersion?: string): V1Lease {
  return {
    apiVersion: "coordination.k8s.io/v1",
    kind: "Lease",
    metadata: {
      name: at.name,
      namespace: at.namespace,
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    spec: {
      holderIdentity: record.holderIdentity,
      leaseDurationSeconds: record.leaseDurationSeconds,
      ...(record.acquireTime ? { acquireTime: microTime(record.acquireTime) } : {}),
      ...(record.renewTime ? { renewTime: microTime(record.renewTime) } : {}),
      leaseTransitions: record.leaseTransitions,
    },
  };
}

function snapshotOf(lease: V1Lease, what: string): LeaseSnapshot {
  const version = lease.metadata?.resourceVersion;
  if (!version) throw new KubeError(`${what}: the API server answered a Lease without a resourceVersion`);
  return { record: leaseRecordOf(lease), version };
}

export function createLeaseLock(api: LeasesApi, at: LeaseLocation): LeaseLock {
  const where = `Lease ${at.namespace}/${at.name}`;
  return {
    description: where,

    async get() {
      let lease: V1Lease;
      try {
        lease = await api.readNamespacedLease({ name: at.name, namespace: at.namespace });
      } catch (err) {
        const failure = kubeError(`cannot read ${where}`, err);
        if (failure.status === 404) return null;
        throw failure;
      }
      return snapshotOf(lease, `read ${where}`);
    },

    async create(record) {
      try {
        const lease = await api.createNamespacedLease({
          namespace: at.namespace,
          body: leaseBody(at, record),
        });
        return snapshotOf(lease, `create ${where}`);
      } catch (err) {
        const failure = kubeError(`cannot create ${where}`, err);
        if (failure.status === 409) throw new LeaseConflict(`${where} was created by another replica`);
        throw failure;
      }
    },

    async update(version, record) {
      try {
        const lease = await api.replaceNamespacedLease({
          name: at.name,
          namespace: at.namespace,
          body: leaseBody(at, record, version),
        });
        return snapshotOf(lease, `update ${where}`);
      } catch (err) {
        const failure = kubeError(`cannot update ${where}`, err);
        // 409: written since we read it. 404: deleted meanwhile; the next round creates it again.
        if (failure.status === 409 || failure.status === 404) {
          throw new LeaseConflict(`${where} changed since it was read`);
        }
        throw failure;
      }
    },
  };
}
