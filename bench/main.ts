/**
 * `npm run bench -- <name>`: runs one benchmark. Each prints progress lines and,
 * as its LAST line, one JSON object with its figures and ratios against a
 * baseline measured in the same run (absolute times vary with the machine).
 */
import { benchApi } from "./api.ts";
import { benchGrpc } from "./grpc.ts";
import { benchSsh } from "./ssh.ts";
import { benchStartup } from "./startup.ts";

const BENCHES: Record<string, () => Promise<Record<string, unknown>>> = {
  api: benchApi,
  grpc: benchGrpc,
  ssh: benchSsh,
  startup: benchStartup,
};

const name = process.argv[2];
const bench = name ? BENCHES[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}>`);
  process.exit(2);
}
const result = await bench();
console.log(JSON.stringify({ bench: name, ...result }));
