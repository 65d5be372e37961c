/**
 * The real `ksp` binary (cli/bin.js, spawned) against a real control plane
 * (the app on Postgres, over HTTP on a free port): every command, every
 * output format (JSON and YAML parse back to the API's own objects), and the
 * exit codes of 4xx answers and of an unreachable server.
 *
 * Each test builds its own objects (through the API, or with the command it
 * tests) under names with a suffix of its own, and asserts on those only: a
 * slow or failed test cannot move what another one counts, and no test needs
 * another to have run first. What depends on everything a control plane holds
 * (`ksp status`'s totals, a scale-up refused for want of any free machine)
 * runs on a control plane of its own. Every test starts processes (each
 * `ksp` loads tsx and the CLI, ~0.4 s on an idle core, several times that on a
 * loaded CI runner), hence the per-test budget below.
 */

import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  type CliControlPlane,
  type KspOptions,
  spawnKsp,
  startCliControlPlane,
} from "../../support/cli/binary.ts";
import { uniqueSuffix, type World, worldOf } from "../../support/cli/world.ts";
import { closedPort } from "../../support/closed-port.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

/** The most `ksp` spawns one test makes is ~16; under load one can take a few seconds. */
const SPAWNING_TEST_MS = 90_000;

describe.skipIf(!ok)("ksp, the binary, against a real control plane", { timeout: SPAWNING_TEST_MS }, () => {
  let cp: CliControlPlane;
  let world: World;
  let dir: string;
  /** the shared config file: one context, "dev", logged in once in beforeAll */
  let config: string;

  /** ksp with the shared config file (and nothing else) in its environment; options.env may name another. */
  const ksp = (args: string[], options: KspOptions = {}) =>
    spawnKsp(args, { ...options, env: { KSP_CONFIG: config, ...options.env } });
  /** ksp with a config file of the test's own */
  const kspWith =
    (file: string) =>
    (args: string[], options: KspOptions = {}) =>
      ksp(args, { ...options, env: { KSP_CONFIG: file, ...options.env } });
  const apiGet = async (path: string, plane = cp) => {
    const res = await plane.api.json("GET", path, { token: plane.api.admin });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body;
  };
  const privatePlanes: CliControlPlane[] = [];
  /** A control plane (and database) for one test alone, and `ksp` pointed at it. */
  const privateControlPlane = async () => {
    const plane = await startCliControlPlane();
    privatePlanes.push(plane);
    const env = { KSP_URL: plane.url, KSP_TOKEN: plane.api.admin };
    return { plane, world: worldOf(plane.api), ksp: (args: string[]) => ksp(args, { env }) };
  };
  const succeeded = (run: { code: number | null; stderr: string }) =>
    expect([run.code, run.stderr]).toEqual([0, ""]);

  beforeAll(async () => {
    cp = await startCliControlPlane();
    world = worldOf(cp.api);
    dir = mkdtempSync(join(tmpdir(), "ksp-cli-"));
    config = join(dir, "ksp", "config.yaml");
    const login = await ksp(["login", "--url", cp.url, "--context", "dev", "--token-stdin"], {
      input: cp.api.admin,
    });
    expect(login.code, login.stderr).toBe(0);
  });

  afterAll(async () => {
    await Promise.all(privatePlanes.map((plane) => plane.close()));
    await cp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("logs in (token from stdin, checked against the API) to a 0600 config file with several contexts", async () => {
    const config = join(dir, "login", "config.yaml");
    const ksp = kspWith(config);
    const login = await ksp(["login", "--url", cp.url, "--context", "dev", "--token-stdin"], {
      input: `${cp.api.admin}\n`,
    });
    expect(login.code).toBe(0);
    expect(login.stdout).toBe("");
    expect(login.stderr).toContain(
      `Logged in to ${cp.url} as test-admin (admin, all clusters), context "dev"`,
    );
    expect(login.stderr + login.stdout).not.toContain(cp.api.admin);
    expect(statSync(config).mode & 0o777).toBe(0o600);
    expect(parseYaml(readFileSync(config, "utf8"))).toEqual({
      "current-context": "dev",
      contexts: [{ name: "dev", url: cp.url, token: cp.api.admin }],
    });

    const refused = await ksp(["login", "--url", cp.url, "--context", "bad", "--token-stdin"], {
      input: "ksp_adm_not-a-real-token",
    });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^error: unauthorized: .* \(request [^)]+\)\n$/);
    const other = await ksp(["login", "--url", "http://127.0.0.1:9", "--context", "other", "--no-verify"], {
      env: { KSP_TOKEN: "ksp_api_other" },
    });
    expect([other.code, other.stderr]).toEqual([
      0,
      `Logged in to http://127.0.0.1:9 (token not verified), context "other" (${config})\n`,
    ]);

    const contexts = await ksp(["config", "get-contexts", "-o", "yaml"]);
    succeeded(contexts);
    expect(parseYaml(contexts.stdout)).toEqual([
      { name: "dev", url: cp.url, current: false, hasToken: true },
      { name: "other", url: "http://127.0.0.1:9", current: true, hasToken: true },
    ]);
    const table = await ksp(["config", "get-contexts"]);
    expect(table.stdout).not.toContain("ksp_api_other");
    expect(table.stdout.split("\n")[0]).toMatch(/^CURRENT\s+NAME\s+URL\s+TOKEN$/);

    const use = await ksp(["config", "use-context", "dev"]);
    expect([use.code, use.stderr]).toEqual([0, 'Switched to context "dev"\n']);
    const current = await ksp(["config", "current-context"]);
    expect([current.code, current.stdout]).toEqual([0, "dev\n"]);
    expect((await ksp(["config", "delete-context", "other"])).code).toBe(0);
    expect(parseYaml(readFileSync(config, "utf8")).contexts.map((c: { name: string }) => c.name)).toEqual([
      "dev",
    ]);

    // A file others may read is refused, and a login repairs it.
    chmodSync(config, 0o644);
    const open = await ksp(["cluster", "list"]);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/others may read it \(mode 0644\); run chmod 600/);
    const repair = await ksp(["login", "--url", cp.url, "--context", "dev", "--token-stdin"], {
      input: cp.api.admin,
    });
    expect(repair.code).toBe(0);
    expect(repair.stderr).toContain("now 0600");
    expect(statSync(config).mode & 0o777).toBe(0o600);
  });

  it("refuses a token in the URL and never sends a context's token to another URL", async () => {
    const inUrl = await ksp(["cluster", "list", "--url", `http://user:${cp.api.admin}@127.0.0.1:1`]);
    expect([inUrl.code, inUrl.stderr]).toEqual([
      2,
      "error: --url: must not contain credentials; use ksp login, KSP_TOKEN or --token\n",
    ]);
    const inQuery = await ksp(["cluster", "list", "--url", `${cp.url}/?token=x`]);
    expect(inQuery.code).toBe(2);
    // Same server under another spelling: the context's token stays home, so the API answers 401.
    const elsewhere = await ksp(["cluster", "list", "--url", cp.url.replace("127.0.0.1", "localhost")]);
    expect(elsewhere.code).toBe(5);
  });

  it("creates, lists, gets, updates a cluster and rotates its token, in every output format", async () => {
    const run = uniqueSuffix();
    const demo = `cli-demo-${run}`;
    const other = `cli-other-${run}`;
    const created = await ksp([
      "cluster",
      "create",
      demo,
      "--description",
      "EU",
      "--label",
      "env=prod",
      "--label",
      `run=${run}`,
      "-o",
      "json",
    ]);
    expect(created.code).toBe(0);
    const answer = JSON.parse(created.stdout);
    const clusterId = answer.cluster.id;
    expect(answer.registrationToken).toEqual(expect.any(String));
    expect(answer.cluster).toEqual(await apiGet(`/v1/clusters/${clusterId}`));

    const second = await ksp(["cluster", "create", other, "--label", `run=${run}`, "-o", "name"]);
    expect([second.code, second.stdout]).toEqual([0, `cluster/${other}\n`]);

    const yaml = await ksp(["cluster", "list", "-l", `run=${run}`, "-o", "yaml"]);
    succeeded(yaml);
    expect(parseYaml(yaml.stdout)).toEqual((await apiGet(`/v1/clusters?labelSelector=run%3D${run}`)).items);
    const selected = await ksp(["cluster", "list", "-l", `env=prod,run=${run}`, "-o", "name"]);
    expect(selected.stdout).toBe(`cluster/${demo}\n`);
    const table = await ksp(["cluster", "list", "-l", `run=${run}`, "--no-headers"]);
    expect(
      table.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(/\s+/)[0]),
    ).toEqual([demo, other]);
    const wide = await ksp(["cluster", "list", "-l", `run=${run}`, "-o", "wide"]);
    expect(wide.stdout.split("\n")[0]).toMatch(/^NAME\s+HEALTH\s+MACHINES.*\sID\s+AGENT\s+LABELS$/);
    expect(wide.stdout).toContain(clusterId);

    const got = await ksp(["cluster", "get", demo]);
    expect(got.stdout).toContain(`ID:                 ${clusterId}\n`);
    const updated = await ksp(["cluster", "update", demo, "--set", "description=after", "-o", "yaml"]);
    expect(parseYaml(updated.stdout)).toEqual(await apiGet(`/v1/clusters/${clusterId}`));
    expect(parseYaml(updated.stdout).description).toBe("after");

    const rotated = await ksp(["cluster", "rotate-token", demo, "-o", "json"]);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ clusterId, registrationToken: expect.any(String) });
    const deleted = await ksp(["cluster", "delete", other]);
    expect([deleted.code, deleted.stdout]).toEqual([0, `cluster "${other}" deleted\n`]);
  });

  it("creates, lists, gets, updates, disables and enables a pool; status shows why it did not scale; wait", async () => {
    // "Refused: no free machine" is about the whole free inventory, so no other test's machines may be in it.
    const { plane, world, ksp } = await privateControlPlane();
    const cluster = await world.cluster("cli-demo");
    const ref = "cli-demo/workers";
    const created = await ksp(["pool", "create", ref, "--min", "0", "--max", "3", "-o", "json"]);
    expect(created.code).toBe(0);
    const pool = JSON.parse(created.stdout);
    expect(pool).toEqual(await apiGet(`/v1/clusters/${cluster.id}/pools/${pool.id}`, plane));

    const list = await ksp(["pool", "list", cluster.name, "-o", "json"]);
    expect(JSON.parse(list.stdout)).toEqual((await apiGet(`/v1/clusters/${cluster.id}/pools`, plane)).items);
    const all = await ksp(["pool", "list", "-o", "name"]);
    expect(all.stdout).toBe("pool/cli-demo/workers\n");
    const byFlag = await ksp(["pool", "get", "--cluster", cluster.name, "workers", "-o", "yaml"]);
    expect(parseYaml(byFlag.stdout)).toEqual(pool);

    const updated = await ksp(["pool", "update", ref, "--set", "maxSize=4", "-o", "json"]);
    expect(JSON.parse(updated.stdout).maxSize).toBe(4);
    const disabled = await ksp(["pool", "disable", ref, "-o", "json"]);
    expect(JSON.parse(disabled.stdout).autoscalingEnabled).toBe(false);
    const enabled = await ksp(["pool", "enable", ref]);
    expect(enabled.stdout).toContain("Autoscaling:   enabled\n");

    // Cluster Autoscaler asks for 2 machines through the agent route; there are none to give.
    const credential = await plane.api.agentCredentialFor(cluster.id);
    const asked = await plane.api.json("POST", "/v1/agent/allocations", {
      token: credential,
      body: { poolId: pool.id, delta: 2, requestId: "ca-cli-1" },
    });
    expect(asked.status, JSON.stringify(asked.body)).toBeLessThan(500);

    const status = await ksp(["pool", "status", ref, "-o", "json"]);
    succeeded(status);
    expect(JSON.parse(status.stdout)).toEqual(
      await apiGet(`/v1/clusters/${cluster.id}/pools/${pool.id}/status`, plane),
    );
    const readable = await ksp(["pool", "status", ref]);
    expect(readable.stdout).toContain(`Pool:         ${ref}\n`);
    expect(readable.stdout).toContain("Bounds:       min 0, max 4\n");
    expect(readable.stdout).toMatch(
      /\nWhy didn't it scale:\n {2}Last scale-up: refused, 0 of 2 granted \([^)]+\)\n {4}- no_free_machine: [^\n]+\n/,
    );
    expect(readable.stdout).toContain("  Last scale-down: none recorded\n  Blockers: none\n");

    const reached = await ksp(["pool", "wait", ref, "--size", "0"]);
    expect([reached.code, reached.stdout]).toEqual([0, `pool ${ref}: 0 ready\n`]);
    const timedOut = await ksp([
      "pool",
      "wait",
      ref,
      "--size",
      "1",
      "--timeout",
      "1s",
      "--interval",
      "200ms",
    ]);
    expect(timedOut.code).toBe(7);
    expect(timedOut.stderr).toBe(`error: pool ${ref} has 0 ready, not 1, after 1s\n`);
  });

  it("imports machines from CSV (a bad row: errors printed, nothing written), JSON in chunks and YAML", async () => {
    const run = uniqueSuffix();
    const cluster = await world.cluster(`cli-import-${run}`);
    await world.pool(cluster.id, "workers");
    const csv = join(dir, `machines-${run}.csv`);
    writeFileSync(
      csv,
      "hostname,ip,cpuCores,memoryBytes,zone,labels\n" +
        `m1-${run}.cli.test,10.7.0.1,8,34359738368,z1,rack=r1\n` +
        "\n" +
        `bad-${run}.cli.test,not-an-ip,8,1,z1,\n` +
        `m2-${run}.cli.test,10.7.0.2,8,34359738368,z1,rack=r2\n`,
    );
    for (const extra of [["--dry-run"], ["--chunk-size", "1"]]) {
      const rejected = await ksp(["machine", "import", "--file", csv, ...extra]);
      expect(rejected.code).toBe(1);
      expect(rejected.stdout).toMatch(/^3 rows: 0 created, 0 updated, 0 unchanged, 1 error, 2 skipped/);
      expect(rejected.stdout).toMatch(
        new RegExp(
          `\\n4\\s+bad-${run}\\.cli\\.test\\s+not-an-ip\\s+ip\\s+must be an IPv4 or IPv6 address\\n$`,
        ),
      );
    }
    expect((await apiGet(`/v1/machines?q=${run}`)).items).toEqual([]);

    const json = join(dir, `machines-${run}.json`);
    const rows = [1, 2, 3, 4, 5].map((n) => ({
      hostname: `j${n}-${run}.cli.test`,
      ip: `10.7.1.${n}`,
      labels: { src: "json" },
    }));
    writeFileSync(json, JSON.stringify({ machines: rows }));
    const imported = await ksp(["machine", "import", "-f", json, "--chunk-size", "2", "-o", "json"]);
    succeeded(imported);
    const report = JSON.parse(imported.stdout);
    expect(report.summary).toEqual({ total: 5, created: 5, updated: 0, unchanged: 0, error: 0, skipped: 0 });
    expect(report.results.map((row: { row: number }) => row.row)).toEqual([1, 2, 3, 4, 5]);

    const yamlFile = join(dir, `machines-${run}.yml`);
    writeFileSync(yamlFile, `- hostname: m1-${run}.cli.test\n  ip: 10.7.0.1\n  labels: {rack: r1}\n`);
    const fromYaml = await ksp(["machine", "import", "-f", yamlFile, "--pool", `${cluster.name}/workers`]);
    expect([fromYaml.code, fromYaml.stdout]).toEqual([
      0,
      "1 rows: 1 created, 0 updated, 0 unchanged, 0 error, 0 skipped (written, all-or-nothing)\n",
    ]);
    expect((await apiGet(`/v1/machines/m1-${run}.cli.test`)).clusterId).toBe(cluster.id);
  });

  it("adds, lists, gets and updates machines, and moves them through their states", async () => {
    const run = uniqueSuffix();
    const cluster = await world.cluster(`cli-machines-${run}`);
    await world.pool(cluster.id, "workers");
    for (const n of [1, 2, 3]) await world.machine(`b${n}-${run}.cli.test`, `10.7.3.${n}`, { run });
    const a1 = `a1-${run}.cli.test`;
    const added = await ksp(["machine", "add", a1, "10.7.2.1", "--set", "cpuCores=4", "-o", "json"]);
    expect(added.code).toBe(0);
    const machine = JSON.parse(added.stdout);
    expect(machine).toEqual(await apiGet(`/v1/machines/${machine.id}`));

    const list = await ksp(["machine", "list", "-l", `run=${run}`, "-o", "json"]);
    const listed = JSON.parse(list.stdout);
    expect(listed).toEqual((await apiGet(`/v1/machines?labelSelector=run%3D${run}&limit=500`)).items);
    expect(listed).toHaveLength(3);
    const selected = await ksp(["machine", "list", "-l", `run=${run}`, "--limit", "2", "-o", "name"]);
    expect(selected.stdout).toBe(`machine/b1-${run}.cli.test\nmachine/b2-${run}.cli.test\n`);

    const got = await ksp(["machine", "get", a1, "-o", "yaml"]);
    expect(parseYaml(got.stdout)).toEqual(machine);
    const updated = await ksp(["machine", "update", a1, "--set", "zone=z9"]);
    expect(updated.stdout).toContain("Location:        -/z9/-\n");

    const steps: [string[], string][] = [
      [["assign", a1, `${cluster.name}/workers`], "available"],
      [["unassign", a1], "available"],
      [["maintenance", a1, "--reason", "disk swap"], "maintenance"],
      [["restore", a1], "available"],
      [["fault", a1, "--reason", "psu"], "fault"],
      [["restore", a1, "--reason", "fixed"], "available"],
      [["archive", a1], "archived"],
    ];
    for (const [args, status] of steps) {
      const step = await ksp(["machine", ...args, "-o", "json"]);
      succeeded(step);
      const answer = JSON.parse(step.stdout);
      expect(answer.status).toBe(status);
      expect(answer).toEqual(await apiGet(`/v1/machines/${machine.id}`));
      if (args[0] === "assign") {
        const inPool = await ksp(["machine", "list", "--pool", `${cluster.name}/workers`, "--no-headers"]);
        expect(inPool.stdout).toMatch(
          new RegExp(
            `^a1-${run}\\.cli\\.test\\s+10\\.7\\.2\\.1\\s+available\\s+${cluster.name}\\s[^\\n]*\\n$`,
          ),
        );
      }
    }
    expect((await apiGet(`/v1/machines/${machine.id}`)).clusterId).toBeNull();
  });

  it("creates, lists and revokes API tokens; a viewer token may read but not write", async () => {
    const run = uniqueSuffix();
    const cluster = await world.cluster(`cli-tokens-${run}`, { run });
    const created = await ksp([
      "token",
      "create",
      "cli-viewer",
      "--role",
      "viewer",
      "--expires-in",
      "1d",
      "-o",
      "json",
    ]);
    expect(created.code).toBe(0);
    const { apiToken, token } = JSON.parse(created.stdout);
    expect(apiToken).toMatchObject({ name: "cli-viewer", role: "viewer" });

    const reads = await ksp(["cluster", "list", "-l", `run=${run}`, "-o", "name"], {
      env: { KSP_URL: cp.url, KSP_TOKEN: token },
    });
    expect([reads.code, reads.stdout]).toEqual([0, `cluster/${cluster.name}\n`]);
    const writes = await ksp(["cluster", "create", "nope"], { env: { KSP_URL: cp.url, KSP_TOKEN: token } });
    expect(writes.code).toBe(5);
    expect(writes.stderr).toMatch(/^error: forbidden: .* \(request [^)]+\)\n$/);

    const list = await ksp(["token", "list", "-o", "json"]);
    const ids = JSON.parse(list.stdout).map((t: { id: string }) => t.id);
    expect(ids).toContain(apiToken.id);
    expect(ids).toEqual((await apiGet("/v1/tokens")).items.map((t: { id: string }) => t.id));
    expect(list.stdout).not.toContain(token);

    const revoked = await ksp(["token", "revoke", apiToken.id]);
    expect([revoked.code, revoked.stdout]).toEqual([0, `token "cli-viewer" (${apiToken.id}) revoked\n`]);
    const after = await ksp(["cluster", "list"], { env: { KSP_URL: cp.url, KSP_TOKEN: token } });
    expect(after.code).toBe(5);
  });

  it("says who the token is with ksp whoami, in every output format; login names a scoped token's cluster", async () => {
    // A config file of its own: the scoped login below becomes its current context.
    const ksp = kspWith(join(dir, "whoami", "config.yaml"));
    const dev = await ksp(["login", "--url", cp.url, "--context", "dev", "--token-stdin"], {
      input: cp.api.admin,
    });
    expect(dev.code, dev.stderr).toBe(0);
    const table = await ksp(["whoami"]);
    succeeded(table);
    expect(table.stdout).toMatch(/^Name: +test-admin$/m);
    expect(table.stdout).toMatch(/^Role: +admin$/m);
    expect(table.stdout).toMatch(/^Scope: +all clusters$/m);
    expect(table.stdout).toMatch(new RegExp(`^Control plane: +${cp.url}$`, "m"));
    expect(table.stdout).toMatch(/^Context: +dev$/m);
    expect(table.stdout).not.toContain(cp.api.admin);

    const self = await apiGet("/v1/tokens/self");
    const json = await ksp(["whoami", "-o", "json"]);
    succeeded(json);
    expect(JSON.parse(json.stdout)).toEqual({ ...self, lastUsedAt: expect.any(String) });
    const yaml = await ksp(["whoami", "-o", "yaml"]);
    expect(parseYaml(yaml.stdout)).toMatchObject({ id: self.id, name: "test-admin", clusterId: null });
    const name = await ksp(["whoami", "-o", "name"]);
    expect([name.code, name.stdout]).toEqual([0, `token/${self.id}\n`]);

    const cluster = await world.cluster(`cli-whoami-${uniqueSuffix()}`);
    const scoped = await ksp([
      "token",
      "create",
      "cli-scoped",
      "--role",
      "operator",
      "--cluster",
      cluster.id,
      "-o",
      "json",
    ]);
    expect(scoped.code).toBe(0);
    const { token } = JSON.parse(scoped.stdout);
    const login = await ksp(["login", "--url", cp.url, "--context", "scoped", "--token-stdin"], {
      input: token,
    });
    expect(login.code).toBe(0);
    expect(login.stderr).toContain(`as cli-scoped (operator, cluster ${cluster.name}), context "scoped"`);
    const who = await ksp(["whoami", "--context", "scoped"]);
    succeeded(who);
    expect(who.stdout).toMatch(new RegExp(`^Scope: +cluster ${cluster.name}$`, "m"));
    expect(who.stdout).toMatch(new RegExp(`^Cluster ID: +${cluster.id}$`, "m"));

    const refused = await ksp(["whoami"], {
      env: { KSP_URL: cp.url, KSP_TOKEN: "ksp_adm_not-a-real-token" },
    });
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/^error: unauthorized: /);
  });

  it("lists, gets and exports events and audit entries", async () => {
    // A machine of this test's own, moved through a few states: its events and audit entries.
    const machine = await world.machine(`e1-${uniqueSuffix()}.cli.test`, "10.7.4.1");
    await world.act(machine.id, "maintenance", { reason: "disk swap" });
    await world.act(machine.id, "restore");
    await world.act(machine.id, "archive");

    const events = await ksp(["event", "list", "--machine", machine.id, "--limit", "20", "-o", "json"]);
    succeeded(events);
    const listed = JSON.parse(events.stdout);
    expect(listed).toEqual((await apiGet(`/v1/events?machineId=${machine.id}&limit=20`)).items);
    expect(listed.length).toBeGreaterThan(2);
    expect(listed.map((e: { kind: string }) => e.kind)).toContain("machine.transition");

    const one = await ksp(["event", "get", listed[0].id, "-o", "yaml"]);
    expect(parseYaml(one.stdout)).toEqual(listed[0]);
    const exported = await ksp(["event", "export", "--machine", machine.id, "--since", "1h", "--limit", "2"]);
    succeeded(exported);
    const lines = exported.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(listed.slice(0, 2));
    const table = await ksp(["event", "list", "--machine", machine.id, "--kind", "machine.transition"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^AGE\s+KIND\s+STATUS\s+CLUSTER\s+MACHINE\s+ERROR$/);
    expect(table.stdout).toContain("machine.transition");
    expect(table.stdout).not.toMatch(/machine\.(?!transition)/);

    const audit = await ksp([
      "audit",
      "list",
      "--action",
      "machine.archive",
      "--resource-id",
      machine.id,
      "-o",
      "json",
    ]);
    succeeded(audit);
    const archived = JSON.parse(audit.stdout);
    expect(archived).toEqual(
      (await apiGet(`/v1/audit?action=machine.archive&resourceId=${machine.id}`)).items,
    );
    expect(archived).toHaveLength(1);
    const auditExport = await ksp([
      "audit",
      "export",
      "--since",
      "1h",
      "--result",
      "success",
      "--resource-id",
      machine.id,
    ]);
    succeeded(auditExport);
    const entries = auditExport.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const byId = (list: { id: string }[]) => list.map((entry) => entry.id).sort();
    expect(byId(entries)).toEqual(
      byId((await apiGet(`/v1/audit?resourceId=${machine.id}&result=success&limit=100`)).items),
    );
    expect(entries.length).toBeGreaterThan(2);
    expect(entries.every((entry: { result: string }) => entry.result === "success")).toBe(true);
  });

  it("prints the overview with ksp status", async () => {
    // It sums everything the control plane holds: a control plane of its own, with a known inventory.
    const { plane, world, ksp } = await privateControlPlane();
    const cluster = await world.cluster("cli-demo");
    const pool = await world.pool(cluster.id, "workers", { minSize: 0, maxSize: 4 });
    for (const n of [1, 2, 3, 4, 5]) await world.machine(`j${n}.cli.test`, `10.7.1.${n}`);
    const m1 = await world.machine("m1.cli.test", "10.7.0.1");
    await world.act(m1.id, "assign", { clusterId: cluster.id, poolId: pool.id });
    const a1 = await world.machine("a1.cli.test", "10.7.2.1");
    await world.act(a1.id, "archive");

    const json = await ksp(["status", "-o", "json"]);
    succeeded(json);
    const overview = JSON.parse(json.stdout);
    expect(overview.clusters).toEqual((await apiGet("/v1/clusters", plane)).items);
    expect(overview.pools.map((p: { name: string }) => p.name)).toEqual(["workers"]);
    // j1–j5 and a1 (archived) free; m1 in the pool.
    expect(overview.machines).toMatchObject({ total: 7, freeInventory: 6 });
    expect(overview.machines.byStatus).toMatchObject({ available: 6, archived: 1 });
    const table = await ksp(["status"]);
    expect(table.stdout).toMatch(/^Clusters \(1\)\n/);
    expect(table.stdout).toMatch(/\n {2}cli-demo\/workers\s+enabled\s+0\s+0\s+4\s+0\s+available 1\n/);
    expect(table.stdout).toContain("Machines (7; free inventory 6: available 5, archived 1)");
  });

  it("watches a list, prints what changed, and stops with exit 0 on SIGINT", async () => {
    const run = uniqueSuffix();
    for (const n of [1, 2, 3]) await world.machine(`w${n}-${run}.cli.test`, `10.7.5.${n}`, { run });
    let changed = false;
    const watch = await ksp(
      ["machine", "list", "-l", `run=${run}`, "--watch", "--watch-interval", "200ms", "-o", "json"],
      {
        onStdout: (out, child) => {
          if (!changed && (out.match(/"ADDED"/g) ?? []).length === 3) {
            changed = true;
            void cp.api
              .json("PATCH", `/v1/machines/w2-${run}.cli.test`, {
                token: cp.api.admin,
                body: { zone: "watched" },
              })
              .then((res) => expect(res.status).toBe(200));
          }
          if (out.includes('"MODIFIED"')) child.kill("SIGINT");
        },
      },
    );
    expect([watch.code, watch.stderr]).toEqual([0, ""]);
    const events = watch.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.filter((e: { type: string }) => e.type === "ADDED")).toHaveLength(3);
    const modified = events.filter((e: { type: string }) => e.type === "MODIFIED");
    expect(
      modified.map((e: { object: { hostname: string; zone: string } }) => [e.object.hostname, e.object.zone]),
    ).toEqual([[`w2-${run}.cli.test`, "watched"]]);
  });

  it("exits 3 on 404, 4 on 409, 1 on 400, 2 on usage and 6 when the server cannot be reached", async () => {
    const cluster = await world.cluster(`cli-codes-${uniqueSuffix()}`);
    await world.pool(cluster.id, "workers");
    const missing = await ksp(["machine", "get", "no-such.cli.test"]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toMatch(/^error: not_found: .* \(request [^)]+\)\n$/);
    const taken = await ksp(["pool", "create", `${cluster.name}/workers`]);
    expect(taken.code).toBe(4);
    expect(taken.stderr).toMatch(/^error: conflict: .* \(request [^)]+\)\n$/);
    const invalid = await ksp(["pool", "update", `${cluster.name}/workers`, "--set", "minSize=-1"]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/^error: validation_failed: .* \(request [^)]+\)\n$/);
    const usage = await ksp(["machine", "maintenance", "a1.cli.test"]);
    expect([usage.code, usage.stderr.split("\n")[0]]).toEqual([
      2,
      "error: required option '--reason <text>' not specified",
    ]);
    const port = await closedPort();
    const down = await ksp(["status"], { env: { KSP_URL: `http://127.0.0.1:${port}`, KSP_TOKEN: "x" } });
    expect([down.code, down.stderr]).toEqual([
      6,
      `error: cannot reach the control plane at http://127.0.0.1:${port} (ECONNREFUSED)\n`,
    ]);
  });

  it("prints a bash completion generated from the command tree, that completes", async () => {
    const script = await ksp(["completion", "bash"]);
    succeeded(script);
    const file = join(dir, "ksp.bash");
    writeFileSync(file, script.stdout);
    const complete = (words: string[]) =>
      spawnSync(
        "bash",
        [
          "-c",
          `source ${file}; COMP_WORDS=(${words.map((w) => `'${w}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _ksp; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: "utf8" },
      ).stdout.trim();
    expect(complete(["ksp", "po"])).toBe("pool");
    expect(complete(["ksp", "pool", "st"])).toBe("status");
    expect(complete(["ksp", "machine", "import", "--d"])).toBe("--dry-run");
    expect(complete(["ksp", "cluster", "list", "-o", "y"])).toBe("yaml");
  });
});
