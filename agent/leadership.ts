/**
 * Whether this replica may change the cluster. Only the leader mutates
 * (IncreaseSize, DeleteNodes, DecreaseTargetSize, the lifecycle reconciler);
 * the others answer Unavailable, so Cluster Autoscaler retries and reaches
 * the leader. In a cluster the leader is elected over a Lease
 * (leader/lease-leadership.ts); without a Kubernetes API there is nothing to
 * elect over, and the one replica leads alone (alwaysLeader).
 */
export interface Leadership {
  isLeader(): boolean;
  /** this replica's identity (e.g. the pod name), for logs and heartbeats */
  identity(): string;
  /** when this replica last became leader; null while it does not lead */
  leaderSince(): Date | null;
  /** the leader as last observed (this replica when it leads); null when no replica holds the lease */
  currentLeader(): string | null;
  /**
   * Called with true when this replica becomes leader and false when it
   * stops; never twice in a row with the same value. Returns unsubscribe.
   */
  subscribe(listener: (leading: boolean) => void): () => void;
}

/** A single replica that always leads, since `since` (when it started). */
export function alwaysLeader(identity: string, since: Date = new Date()): Leadership {
  return {
    isLeader: () => true,
    identity: () => identity,
    leaderSince: () => since,
    currentLeader: () => identity,
    // leadership never changes, so there is never anything to tell
    subscribe: () => () => {},
  };
}
