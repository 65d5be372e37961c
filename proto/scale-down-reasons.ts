/**
 * The reasons the agent writes on the transitions of a Cluster Autoscaler
 * scale-down. They are a contract: the control plane finds a pool's last
 * scale-down by them (functions/services/scaling/pool-scaling.ts).
 */
export const CA_NODE_DELETED_REASON = "cluster-autoscaler: node deleted";
export const CA_TARGET_DECREASED_REASON = "cluster-autoscaler: target size decreased";
