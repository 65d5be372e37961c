/**
 * `ksp dead-letter list|get|discard|replay`, the real binary against a real
 * control plane holding dead letters: the parked table by default, --all and
 * filters, the detail view with the body, a discard, and the exit codes of a
 * replay that cannot be (4: discarded) and of an unknown id (3). Replay's
 * success path runs where a job queue is wired: test/integration/functions/dead-letters.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordDeadLetters } from "../../../functions/services/dead-letters/record-dead-letter.ts";
import { type CliControlPlane, spawnKsp, startCliControlPlane } from "../../support/cli/binary.ts";
import { testContext } from "../../support/fixtures.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("ksp dead-letter", { timeout: 90_000 }, () => {
  let cp: CliControlPlane;
  let ids: string[];
  beforeAll(async () => {
    cp = await startCliControlPlane();
    const ctx = testContext(cp.api.database.db, { actor: "system" });
    ({ recorded: ids } = await recordDeadLetters({
      ctx,
      input: {
        source: "consumer",
        letters: [
          {
            body: { type: "job.run", job: "probe-clusters" },
            attempts: 5,
            reason: "gave up after 5 attempts: boom",
          },
          { body: { type: "job.run", job: "rollup-snapshots" }, attempts: 1, reason: 'unknown job "x"' },
        ],
      },
    }));
  });
  afterAll(() => cp?.close());

  const ksp = (args: string[]) => spawnKsp(args, { env: { KSP_URL: cp.url, KSP_TOKEN: cp.api.admin } });

  it("lists, shows, discards, and refuses what cannot be replayed", async () => {
    const table = await ksp(["dead-letter", "list"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/ID\s+STATUS\s+WHAT\s+ATTEMPTS\s+AGE\s+REASON/);
    expect(table.stdout).toMatch(/parked\s+probe-clusters\s+5\s+\S+\s+gave up after 5 attempts: boom/);

    const one = await ksp(["dead-letter", "get", ids[0]!]);
    expect(one.code, one.stderr).toBe(0);
    expect(one.stdout).toMatch(/Reason:\s+gave up after 5 attempts: boom/);
    expect(one.stdout).toContain('"job":"probe-clusters"');

    const discarded = await ksp(["dead-letter", "discard", ids[1]!, "-o", "json"]);
    expect(discarded.code, discarded.stderr).toBe(0);
    expect(JSON.parse(discarded.stdout)).toMatchObject({ id: ids[1], status: "discarded" });

    const parkedOnly = await ksp(["dead-letter", "list", "-o", "name"]);
    expect(parkedOnly.stdout.trim().split("\n")).toEqual([`dead-letter/${ids[0]}`]);
    const all = await ksp(["dead-letter", "list", "--all", "--job", "rollup-snapshots", "-o", "json"]);
    expect(JSON.parse(all.stdout)).toMatchObject([{ id: ids[1], status: "discarded" }]);

    const replay = await ksp(["dead-letter", "replay", ids[1]!]);
    expect(replay.code).toBe(4);
    expect(replay.stderr).toContain("was discarded");
    const unknown = await ksp(["dead-letter", "get", crypto.randomUUID()]);
    expect(unknown.code).toBe(3);
  });
});
