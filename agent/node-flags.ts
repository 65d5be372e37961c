/**
 * V8 flags the agent runs with, in one place: package.json's `agent` script,
 * the Deployment's NODE_OPTIONS (infra/agent/deployment.yaml) and the grpc
 * benchmark all use these, and a test keeps them in step.
 *
 * Why a 1 MiB semi-space: Cluster Autoscaler's loop calls NodeGroupForNode
 * once per node, one after another, so the agent's tail latency is what CA
 * waits on. Every call allocates a little (gRPC frames, messages) and the
 * live heap is small, so the young generation is collected often either
 * way; a smaller one makes each scavenge pause shorter. On 2 vCPUs at
 * concurrency 16 this took p99 from about 9 ms to about 5 ms for the same
 * throughput (`npm run bench -- grpc`).
 */
export const AGENT_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=1"];
