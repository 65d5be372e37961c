/**
 * Service availability for the integration tier. Locally, a missing service
 * skips the suites that need it (with a loud message); with CI=true it is a
 * failure, because CI must never pass on skipped tests.
 */
import net from "node:net";
import { recordUsage } from "./usage.ts";

export const isCI = process.env.CI === "true";

export function tcpReachable(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Resolves to true when the service answers. With CI=true a missing service
 * throws, failing the file instead of skipping it.
 * Usage: `const ok = await requireService("postgres", probe); describe.skipIf(!ok)(...)`.
 */
export async function requireService(
  name: string,
  probe: () => Promise<boolean>,
  detail = "",
): Promise<boolean> {
  const ok = await probe().catch(() => false);
  if (ok) {
    recordUsage("service", detail ? `${name} (${detail})` : name);
    return true;
  }
  const msg = `required service "${name}" is not available${detail ? ` at ${detail}` : ""}`;
  if (isCI) throw new Error(`${msg}; CI=true, so this is a failure, not a skip`);
  console.warn(`[ksp-test] SKIPPING: ${msg}`);
  return false;
}
