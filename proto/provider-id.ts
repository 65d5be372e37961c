/**
 * A machine's instance id for Cluster Autoscaler and its Node's
 * spec.providerID: `ksp://<machine id>`, set by the control plane when the
 * machine is reserved and recognised by the agent (its zombie guard knows a
 * Node of ours by this prefix).
 */
export const PROVIDER_ID_PREFIX = "ksp://";

export const providerIdFor = (machineId: string): string => `${PROVIDER_ID_PREFIX}${machineId}`;
