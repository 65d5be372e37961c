/**
 * `npm run bench -- ssh` (issue 5): the pipeline engine over the real SSH
 * layer. 20 real OpenSSH test hosts, concurrency 10, one 5-step pipeline whose
 * steps each run `sleep 0.2` on the host.
 *
 * idealSeconds = ceil(hosts / concurrency) × steps × 0.2 s (pure sleeping).
 * handshakeSeconds is measured on its own (median of fresh connects: TCP,
 * key exchange, host key check, public key auth). Each of the `concurrency`
 * slots serves ceil(hosts / concurrency) hosts and handshakes once for each,
 * so targetSeconds = 1.3 × ideal + ceil(hosts / concurrency) × handshakeSeconds,
 * and every host must see exactly one handshake (the session is kept across steps).
 */

import { runPipeline } from "../agent/pipeline/engine.ts";
import type { Pipeline, Step } from "../agent/pipeline/types.ts";
import { createSshConnector, type SshConnectorOptions } from "../agent/ssh/connector.ts";
import type { SshTarget } from "../agent/ssh/types.ts";
import { createLogger } from "../shared/logger.ts";
import { startSshHosts, type TestHost } from "../test/support/ssh-hosts/index.ts";

const HOSTS = 20;
const CONCURRENCY = 10;
const STEPS = 5;
const STEP_SLEEP_SECONDS = 0.2;
const HANDSHAKE_SAMPLES = 5;

const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const seconds = (fromMs: number) => (performance.now() - fromMs) / 1000;

const target = (host: TestHost): SshTarget => ({
  host: host.address,
  port: host.port,
  username: host.username,
  key: host.privateKey,
  pinnedFingerprint: host.hostKeyFingerprint,
});

const sleepStep = (n: number): Step => ({
  name: `bench.sleep-${n}`,
  timeoutMs: 10_000,
  async apply(ctx) {
    const result = await ctx.session.exec(`sleep ${STEP_SLEEP_SECONDS}`, { timeoutMs: 5_000 });
    if (result.exitCode !== 0) throw new Error(`sleep exited ${result.exitCode}: ${result.stderr}`);
    return { exitCode: result.exitCode };
  },
});

const pipeline: Pipeline = {
  name: "bench",
  tasks: [{ name: "sleep", steps: Array.from({ length: STEPS }, (_, i) => sleepStep(i + 1)) }],
};

/** The agent's SSH settings, with host keys that must be known (the test hosts' are). */
export function connectorOptions(): SshConnectorOptions {
  return {
    policy: "require-known",
    maxPerHost: 2,
    idleTimeoutMs: 60_000,
    keepaliveIntervalMs: 15_000,
    connectTimeoutMs: 10_000,
    logger: createLogger({ level: "warn" }),
  };
}

/** Median wall time of a fresh connect (each on its own connector, so nothing is pooled). */
async function measureHandshake(hosts: TestHost[]): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < HANDSHAKE_SAMPLES; i++) {
    const connector = createSshConnector(connectorOptions());
    const started = performance.now();
    const session = await connector.session(target(hosts[i % hosts.length]!));
    samples.push(seconds(started));
    session.release();
    await connector.close();
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)]!;
}

export async function benchSsh(): Promise<Record<string, unknown>> {
  console.log(`starting ${HOSTS} ssh test hosts …`);
  const { hosts, stop } = await startSshHosts({ count: HOSTS, namePrefix: "bench" });
  try {
    const handshakeSeconds = await measureHandshake(hosts);
    console.log(`handshake: ${round(handshakeSeconds * 1000, 1)} ms (median of ${HANDSHAKE_SAMPLES})`);

    const connector = createSshConnector(connectorOptions());
    const started = performance.now();
    const results = await runPipeline({
      pipeline,
      hosts: hosts.map((host) => ({
        host: { id: host.name, name: host.name },
        target: target(host),
        values: {},
      })),
      connector,
      concurrency: { global: CONCURRENCY, perHost: 1 },
      logger: createLogger({ level: "warn" }),
    });
    const wallSeconds = seconds(started);
    const perHost = [...connector.handshakes().values()];
    await connector.close();

    const failed = results.filter((r) => !r.ok);
    for (const r of failed) console.log(`host ${r.hostId} failed at ${r.failedStep}`);
    const slots = Math.ceil(HOSTS / CONCURRENCY);
    const idealSeconds = slots * STEPS * STEP_SLEEP_SECONDS;
    const targetSeconds = 1.3 * idealSeconds + slots * handshakeSeconds;
    const handshakesPerHost = Math.max(...perHost);
    const targetMet =
      failed.length === 0 &&
      perHost.length === HOSTS &&
      perHost.every((n) => n === 1) &&
      wallSeconds <= targetSeconds;
    console.log(
      `pipeline: ${round(wallSeconds)} s wall, ideal ${idealSeconds} s, target ≤ ${round(targetSeconds)} s`,
    );
    return {
      wallSeconds: round(wallSeconds),
      idealSeconds: round(idealSeconds),
      handshakeSeconds: round(handshakeSeconds, 4),
      handshakesPerHost,
      hosts: HOSTS,
      concurrency: CONCURRENCY,
      steps: STEPS,
      failedHosts: failed.length,
      targetSeconds: round(targetSeconds),
      targetMet,
    };
  } finally {
    await stop();
  }
}
