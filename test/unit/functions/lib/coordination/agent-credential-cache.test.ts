/**
 * The agent credential cache trusts only a coordination store that every
 * replica shares: an in-process store beside a shared Postgres would keep
 * authenticating a credential another replica rotated (issue 12, item 6).
 */
import { describe, expect, it } from "vitest";
import { MemoryCoordination } from "../../../../../functions/lib/coordination/memory.ts";
import { UpstashCoordination } from "../../../../../functions/lib/coordination/upstash.ts";
import {
  cachedAgentCluster,
  forgetAgentCredential,
  rememberAgentCredential,
} from "../../../../../functions/services/auth/agent-credential-cache.ts";
import { systemClock } from "../../../../../shared/clock.ts";
import { createMemoryLogger } from "../../../../../shared/logger.ts";

const ctxOn = (coordination: MemoryCoordination) => ({ coordination, logger: createMemoryLogger("warn") });

describe("agent credential cache", () => {
  it("is used when the store is shared by every replica, and forgotten on invalidation", async () => {
    const ctx = ctxOn(new MemoryCoordination(systemClock, { soleReplica: true }));
    await rememberAgentCredential(ctx, "hash-1", "cluster-1");
    expect(await cachedAgentCluster(ctx, "hash-1")).toBe("cluster-1");
    await forgetAgentCredential(ctx, "cluster-1");
    expect(await cachedAgentCluster(ctx, "hash-1")).toBeNull();
  });

  it("is never used with an in-process store that other replicas cannot reach", async () => {
    const coordination = new MemoryCoordination(systemClock);
    const ctx = ctxOn(coordination);
    await rememberAgentCredential(ctx, "hash-1", "cluster-1");
    expect(await cachedAgentCluster(ctx, "hash-1")).toBeNull();
    expect(coordination.entryCount).toBe(0);
  });

  it("knows which stores are shared: Upstash always, in-process only when declared the sole replica", () => {
    expect(new UpstashCoordination({ url: "https://redis.invalid", token: "t" }).sharedAcrossReplicas).toBe(
      true,
    );
    expect(new MemoryCoordination(systemClock).sharedAcrossReplicas).toBe(false);
    expect(new MemoryCoordination(systemClock, { soleReplica: true }).sharedAcrossReplicas).toBe(true);
  });
});
