/**
 * Whether this replica may change the cluster. Only the leader mutates
 * (IncreaseSize, DeleteNodes, DecreaseTargetSize); the others answer
 * Unavailable, so Cluster Autoscaler retries and reaches the leader. Leader
 * election over a Lease lands later; until then one replica leads alone.
 */
export interface Leadership {
  isLeader(): boolean;
  /** this replica's identity (e.g. the pod name), for logs and heartbeats */
  identity(): string;
}

/** A single replica that always leads: the right answer until leader election exists. */
export function alwaysLeader(identity: string): Leadership {
  return { isLeader: () => true, identity: () => identity };
}
