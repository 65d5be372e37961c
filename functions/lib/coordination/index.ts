export { MemoryCoordination, type MemoryCoordinationOptions } from "./memory.ts";
export type {
  Coordination,
  CoordinationOptions,
  IdempotencyState,
  Lock,
  RateLimitResult,
} from "./types.ts";
export { DEFAULT_PREFIX } from "./types.ts";
export { UpstashCoordination, type UpstashCoordinationOptions, type UpstashRedis } from "./upstash.ts";
