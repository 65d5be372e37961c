/**
 * Every CloudProvider call is counted and timed once (agent/metrics.ts) and,
 * at debug level, written to the JSON access log. This runs inside the unary
 * wrapper (server.ts) rather than as a grpc-js interceptor: an interceptor
 * wraps every call in another call object, and on CA's hot path (one
 * NodeGroupForNode per node, back to back) that garbage showed up in the
 * tail latency. A call the client cancelled (or whose deadline passed) is
 * recorded as CANCELLED.
 */
import { type ServerUnaryCall, status } from "@grpc/grpc-js";
import type { Logger } from "../../shared/logger.ts";
import type { AgentMetrics } from "../metrics.ts";
import { statusName } from "./status-map.ts";

/** Starts observing one call; the returned function records its final status code. */
export type CallObserver = (
  method: string,
  call: ServerUnaryCall<unknown, unknown>,
) => (code: number) => void;

export function callObserver(logger: Logger, metrics: AgentMetrics | undefined): CallObserver {
  const accessLog = logger.enabled("debug");
  return (method, call) => {
    const started = performance.now();
    return (code) => {
      const ms = performance.now() - started;
      const name = statusName(call.cancelled ? status.CANCELLED : code);
      metrics?.observeRpc(method, name, ms / 1000);
      if (accessLog) {
        logger.debug("rpc", { method, code: name, ms: Math.round(ms * 1000) / 1000, peer: call.getPeer() });
      }
    };
  };
}
