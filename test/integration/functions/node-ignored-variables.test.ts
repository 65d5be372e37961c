/**
 * `npm start` reports, once at start and by name only, the variables that look
 * like ours but that Node does not read: a misspelt KSP_ADMIN_TOKEN (with the
 * name meant) and the Worker's NEON_WS_PROXY; the rest of the shell (PATH,
 * HOME) is none of its business.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { IGNORED_VARIABLES_WARNING } from "../../../functions/env.ts";
import { generateToken } from "../../../functions/lib/tokens.ts";
import { killNodeServers, spawnNodeServer } from "../../support/node-server.ts";

describe("Node entry: ignored variables", () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    await killNodeServers();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("logs one warning naming them, never their values", async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), "ksp-ignored-"));
    const typo = generateToken("api");
    const server = await spawnNodeServer({
      KSP_DATA_DIR: dataDir,
      KSP_ADMIN_TOKNE: typo,
      NEON_WS_PROXY: "127.0.0.1:9/v1-secret-path",
    });
    await expect
      .poll(() => server.stdout().includes("ksp control plane listening"), { timeout: 60_000, interval: 200 })
      .toBe(true);
    const lines = server
      .stdout()
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const warnings = lines.filter((l) => l.msg === IGNORED_VARIABLES_WARNING);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({
      level: "warn",
      variables: [
        "KSP_ADMIN_TOKNE (unknown; did you mean KSP_ADMIN_TOKEN?)",
        "NEON_WS_PROXY (read on Workers only)",
      ],
    });
    const all = server.stdout() + server.stderr();
    expect(all).not.toContain(typo.slice(8));
    expect(all).not.toContain("v1-secret-path");
    // the misspelt token was not used: a token was generated instead, as with none set
    expect(all).toContain("a bootstrap admin token was generated");
  }, 90_000);
});
