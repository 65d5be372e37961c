/** Shared bits for the SSH layer's integration tests. */
import { existsSync, readFileSync } from "node:fs";
import { createSshConnector, type SshConnectorOptions } from "../../../agent/ssh/connector.ts";
import type { SshConnector, SshTarget } from "../../../agent/ssh/types.ts";
import { createLogger, type Logger } from "../../../shared/logger.ts";
import type { TestHost } from "../ssh-hosts/index.ts";

export function targetFor(host: TestHost, overrides: Partial<SshTarget> = {}): SshTarget {
  return {
    host: host.address,
    port: host.port,
    username: host.username,
    key: host.privateKey,
    pinnedFingerprint: host.hostKeyFingerprint,
    ...overrides,
  };
}

export const keyOf = (host: TestHost) => `${host.username}@${host.address}:${host.port}`;

/** A logger whose lines the test can read back. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  return { logger: createLogger({ level: "debug", sink: (line) => lines.push(line) }), lines };
}

export function connector(overrides: Partial<SshConnectorOptions> = {}): SshConnector {
  return createSshConnector({
    policy: "require-known",
    maxPerHost: 2,
    idleTimeoutMs: 30_000,
    keepaliveIntervalMs: 5_000,
    connectTimeoutMs: 10_000,
    logger: capturingLogger().logger,
    ...overrides,
  });
}

/** True while `pid` is a live (not zombie) process whose command line contains `name`. */
export function processRunning(pid: number, name: string): boolean {
  const proc = `/proc/${pid}`;
  if (!existsSync(proc)) return false;
  try {
    const cmdline = readFileSync(`${proc}/cmdline`, "utf8");
    const state = readFileSync(`${proc}/stat`, "utf8").split(") ")[1]?.[0];
    return cmdline.includes(name) && state !== "Z";
  } catch {
    return false; // exited while we looked
  }
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return condition();
}
