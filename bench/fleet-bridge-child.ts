/**
 * The Upstash REST bridge (test/support/upstash-bridge.ts) in its own process, so the fleet
 * bench's CPU figure for the app is not the bridge's too: Upstash's servers are not the
 * Worker's CPU. Started by fleet-bridge.ts over IPC; answers "stats" and "close".
 */
import { startUpstashBridge } from "../test/support/upstash-bridge.ts";

const bridge = await startUpstashBridge({ redisUrl: process.env.BENCH_REDIS_URL });
const send = (message: unknown) => process.send?.(message);
process.on("message", async (message: { id: number; op: "stats" | "close" }) => {
  if (message.op === "stats") return send({ id: message.id, stats: bridge.stats() });
  await bridge.close();
  send({ id: message.id, closed: true });
  process.disconnect();
});
send({ ready: true, url: bridge.url, token: bridge.token });
