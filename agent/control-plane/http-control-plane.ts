/**
 * The ControlPlane over HTTP: bearer credential (read on every call, so a
 * rotated credential is picked up), responses parsed with the protocol's
 * schemas. Every call here may be retried: state and heartbeat are reads or
 * overwrites, allocations are idempotent by requestId, transitions carry
 * expectedVersion, so a replay never applies twice (it reports stale_version),
 * a host key is only pinned where none is (a replay answers "unchanged"),
 * and a replayed snapshot carries its capturedAt, so it adds at most one
 * duplicate sample (same time, same figures) to the day's average. A
 * stored SSH key is a read (each release is audited, so a retry adds a row).
 */
import type { z } from "zod";
import {
  type AgentSshKey,
  AgentSshKeySchema,
  AgentStateSchema,
  AllocationResponseSchema,
  HeartbeatResponseSchema,
  HostKeysResponseSchema,
  ScalingRefusalResponseSchema,
  SnapshotsResponseSchema,
  TransitionsResponseSchema,
} from "../../proto/agent-api.ts";
import { type Clock, systemClock } from "../../shared/clock.ts";
import { isControlPlaneError } from "./errors.ts";
import { callControlPlane, type HttpSettings } from "./http-request.ts";
import type { CallOptions, ControlPlane, StoredSshKey } from "./types.ts";

export interface HttpControlPlaneOptions {
  baseUrl: string;
  /** the agent credential; a function so a rotation or re-registration takes effect at once */
  credential: () => string;
  fetch?: typeof fetch;
  /** one attempt's timeout */
  timeoutMs: number;
  clock?: Clock;
  /** overall budget per call (retries included) when the caller gives no deadline; default 4 s */
  budgetMs?: number;
  /** attempts per call when the caller says nothing; default 3 */
  attempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
}

export function createHttpControlPlane(options: HttpControlPlaneOptions): ControlPlane {
  const settings: HttpSettings = {
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? globalThis.fetch,
    clock: options.clock ?? systemClock,
    timeoutMs: options.timeoutMs,
    budgetMs: options.budgetMs ?? 4_000,
    attempts: options.attempts ?? 3,
    backoffBaseMs: options.backoffBaseMs ?? 100,
    backoffMaxMs: options.backoffMaxMs ?? 1_000,
  };
  const auth = () => ({ authorization: `Bearer ${options.credential()}` });
  const post = async <T>(path: string, body: unknown, schema: z.ZodType<T>, callOptions?: CallOptions) => {
    const answer = await callControlPlane(
      settings,
      { method: "POST", path, headers: auth(), body, schema },
      callOptions,
    );
    // without allowNotModified a 304 is an error, so every answer here has a body
    return (answer as { body: T }).body;
  };

  return {
    async state(etag, callOptions) {
      const answer = await callControlPlane(
        settings,
        {
          method: "GET",
          path: "/v1/agent/state",
          headers: { ...auth(), ...(etag ? { "if-none-match": etag } : {}) },
          schema: AgentStateSchema,
          allowNotModified: true,
        },
        callOptions,
      );
      if (!("body" in answer)) return { notModified: true };
      return { notModified: false, state: answer.body, etag: answer.headers.get("etag") };
    },
    allocate: (request, callOptions) =>
      post("/v1/agent/allocations", request, AllocationResponseSchema, callOptions),
    transitions: (items, callOptions) =>
      post("/v1/agent/transitions", { items }, TransitionsResponseSchema, callOptions),
    heartbeat: (request, callOptions) =>
      post("/v1/agent/heartbeat", request, HeartbeatResponseSchema, callOptions),
    pinHostKeys: (items, callOptions) =>
      post("/v1/agent/host-keys", { items }, HostKeysResponseSchema, callOptions),
    snapshots: (request, callOptions) =>
      post("/v1/agent/snapshots", request, SnapshotsResponseSchema, callOptions),
    reportScalingRefusal: (request, callOptions) =>
      post("/v1/agent/scaling-refusals", request, ScalingRefusalResponseSchema, callOptions),
    async fetchSshKey(machineId, callOptions) {
      try {
        const answer = await callControlPlane(
          settings,
          {
            method: "GET",
            path: `/v1/agent/machines/${encodeURIComponent(machineId)}/ssh-key`,
            headers: auth(),
            schema: AgentSshKeySchema,
          },
          callOptions,
        );
        return storedKeyOf((answer as { body: AgentSshKey }).body);
      } catch (err) {
        // one answer for "not this cluster's", "not any more" and "no such stored key": none to use
        if (isControlPlaneError(err) && err.status === 404 && err.code === "not_found") return null;
        throw err;
      }
    },
  };
}

/** The wire's optional passphrase as the agent's optional field. */
function storedKeyOf(body: AgentSshKey): StoredSshKey {
  const { passphrase, ...rest } = body;
  return typeof passphrase === "string" ? { ...rest, passphrase } : rest;
}
