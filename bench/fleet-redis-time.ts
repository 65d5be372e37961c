/**
 * Redis keeps its own (wall-clock) time: a cache entry set with PX 30000
 * expires 30 real seconds later, however far the bench's virtual clock moved.
 * The fleet bench runs an hour in minutes, so left alone the TTL-bound cache
 * entries would live far too many virtual seconds (or, on a slow machine, too
 * few). After every step of virtual time the bench calls `age(virtualMs)`:
 * each key under the run's prefix loses what virtual time passed minus what
 * wall time already took off since the last call (negative: the TTL is given
 * back), and a key whose virtual TTL ran out is deleted, as Redis would have.
 * The precision is one step: a key expires in the step its virtual TTL ends.
 *
 * It talks RESP to Redis directly, so its own commands are not counted by the
 * Upstash bridge.
 */
import { RespConnection, RespError } from "../test/support/upstash-bridge/resp.ts";

const AGE_KEYS = `
local keys = redis.call('KEYS', ARGV[1])
local shift = tonumber(ARGV[2])
local expired = 0
for _, key in ipairs(keys) do
  local ttl = redis.call('PTTL', key)
  if ttl > 0 then
    local left = math.floor(ttl - shift)
    if left <= 0 then
      redis.call('DEL', key)
      expired = expired + 1
    else
      redis.call('PEXPIRE', key, left)
    end
  end
end
return {#keys, expired}`;

export interface RedisTime {
  /** virtual time moved by `virtualMs` since the last call (or start) */
  age(virtualMs: number): Promise<{ keys: number; expired: number }>;
  /** deletes the run's keys and disconnects */
  close(): Promise<void>;
}

export async function startRedisTime(prefix: string, host = "127.0.0.1", port = 6379): Promise<RedisTime> {
  if (/[*?[\]\\]/.test(prefix)) throw new Error(`prefix ${prefix} has glob characters`);
  const redis = await RespConnection.connect(host, port);
  let last = performance.now();
  const one = async (args: string[]) => {
    const [reply] = await redis.send([args]);
    if (reply instanceof RespError) throw reply;
    return reply;
  };
  return {
    async age(virtualMs) {
      const now = performance.now();
      const shift = Math.round(virtualMs - (now - last));
      last = now;
      const [keys, expired] = (await one(["EVAL", AGE_KEYS, "0", `${prefix}*`, String(shift)])) as number[];
      return { keys: keys ?? 0, expired: expired ?? 0 };
    },
    async close() {
      const keys = ((await one(["KEYS", `${prefix}*`])) as Buffer[]).map(String);
      for (let i = 0; i < keys.length; i += 1000) await one(["DEL", ...keys.slice(i, i + 1000)]);
      redis.close();
    },
  };
}
