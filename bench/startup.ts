/**
 * Control-plane start-up: time from spawning `functions/node.ts` (embedded
 * PGlite, no env) to the first `/healthz` 200, on a fresh data dir (migrations
 * and admin-token bootstrap run) and on a warm one. The baseline is a bare
 * node:http server started the same way (`node --import tsx`, as `npm start`
 * does), so the ratio shows what our start-up adds over the runtime's own.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

const TARGET_MS = 15_000;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function timeToHealthz(script: string, env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", script], {
    env: { ...process.env, ...env, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "error" },
    stdio: "ignore",
  });
  try {
    while (performance.now() - started < 120_000) {
      if (child.exitCode !== null) throw new Error(`${script} exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${script}: no /healthz within 120 s`);
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const round = (ms: number) => Math.round(ms);

export async function benchStartup(): Promise<Record<string, unknown>> {
  const baseline: number[] = [];
  const fresh: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    baseline.push(await timeToHealthz("bench/fixtures/bare-healthz.ts", {}));
    const dataDir = mkdtempSync(path.join(tmpdir(), "ksp-bench-startup-"));
    try {
      fresh.push(await timeToHealthz("functions/node.ts", { KSP_DATA_DIR: dataDir }));
      warm.push(await timeToHealthz("functions/node.ts", { KSP_DATA_DIR: dataDir }));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    console.log(
      `run ${i + 1}/${RUNS}: baseline ${round(baseline[i]!)} ms, fresh ${round(fresh[i]!)} ms, warm ${round(warm[i]!)} ms`,
    );
  }
  const b = median(baseline);
  return {
    runs: RUNS,
    baselineMs: round(b),
    freshMsP50: round(median(fresh)),
    freshMsMax: round(Math.max(...fresh)),
    warmMsP50: round(median(warm)),
    freshRatio: Number((median(fresh) / b).toFixed(2)),
    warmRatio: Number((median(warm) / b).toFixed(2)),
    targetMs: TARGET_MS,
    withinTarget: Math.max(...fresh) < TARGET_MS,
  };
}
