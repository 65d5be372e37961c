/**
 * `npm run bench -- <name>`: runs one benchmark. Each prints progress lines and,
 * as its LAST line, one JSON object with its figures and ratios against a
 * baseline measured in the same run (absolute times vary with the machine).
 */
import { spawnSync } from "node:child_process";
import { AGENT_NODE_FLAGS } from "../agent/node-flags.ts";
import { benchApi } from "./api.ts";
import { benchEvaluate } from "./evaluate.ts";
import { benchFleet } from "./fleet.ts";
import { benchGrpc } from "./grpc.ts";
import { benchLifecycle } from "./lifecycle.ts";
import { benchSsh } from "./ssh.ts";
import { benchStartup } from "./startup.ts";

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  api: benchApi,
  evaluate: benchEvaluate,
  fleet: benchFleet,
  grpc: benchGrpc,
  lifecycle: benchLifecycle,
  ssh: benchSsh,
  startup: benchStartup,
};

/** V8 flags a bench's process must start with: the grpc bench measures the agent as it is deployed. */
const NODE_FLAGS: Record<string, readonly string[]> = { grpc: AGENT_NODE_FLAGS };

const name = process.argv[2];
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}>`);
  process.exit(2);
}
const flags = NODE_FLAGS[name!] ?? [];
if (flags.some((flag) => !process.execArgv.includes(flag))) {
  // heap flags only apply at start-up: run this bench again in a process that has them
  const child = spawnSync(process.execPath, [...flags, "--import", "tsx", ...process.argv.slice(1)], {
    stdio: "inherit",
  });
  process.exit(child.status ?? 1);
}
const result = await bench();
console.log(JSON.stringify({ bench: name, ...result }));
