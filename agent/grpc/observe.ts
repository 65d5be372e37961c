/**
 * One server interceptor that sees every call's final status, so each RPC is
 * counted and timed once (agent/metrics.ts) and written to the JSON access
 * log at debug level. A call the client cancels (or whose deadline passes)
 * is recorded as CANCELLED.
 */
import { ServerInterceptingCall, type ServerInterceptor, status } from "@grpc/grpc-js";
import type { Logger } from "../log.ts";
import type { AgentMetrics } from "../metrics.ts";
import { statusName } from "./status-map.ts";

export function observingInterceptor(logger: Logger, metrics: AgentMetrics | undefined): ServerInterceptor {
  return (descriptor, call) => {
    const method = descriptor.path.slice(descriptor.path.lastIndexOf("/") + 1);
    const started = performance.now();
    let recorded = false;
    const record = (code: number) => {
      if (recorded) return;
      recorded = true;
      const ms = performance.now() - started;
      metrics?.observeRpc(method, statusName(code), ms / 1000);
      logger.debug("rpc", {
        method,
        code: statusName(code),
        ms: Math.round(ms * 1000) / 1000,
        peer: call.getPeer(),
      });
    };
    return new ServerInterceptingCall(call, {
      start: (next) => next({ onCancel: () => record(status.CANCELLED) }),
      sendStatus: (sent, next) => {
        record(sent.code ?? status.UNKNOWN);
        next(sent);
      },
    });
  };
}
