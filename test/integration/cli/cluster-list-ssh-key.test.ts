/**
 * The real `ksp` binary (spawned) against a control plane with an encryption
 * key (issue 16): `ksp cluster list` shows agent and kubeconfig clusters side
 * by side (ACCESS, API SERVER, VERSION, NODES) and passes its filters and sort
 * to the API; `ksp cluster get` shows the kubeconfig's metadata and the last
 * check; `ksp ssh-key` stores keys from ssh-keygen's files or generates them,
 * rotates and deletes them, and never prints a private key.
 *
 * Kubeconfig clusters are created through POST /v1/clusters {mode:"kubeconfig"};
 * their API server states are the probe job's rows, written here as input
 * for the listing under test.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clusterStates } from "../../../drizzle/schema/index.ts";
import { Keyring } from "../../../functions/lib/crypto/keyring.ts";
import { type CliControlPlane, spawnKsp, startCliControlPlane } from "../../support/cli/binary.ts";
import { uniqueSuffix } from "../../support/cli/world.ts";
import { seedCluster } from "../../support/fixtures.ts";
import { tokenKubeconfig } from "../../support/kubeconfig-fixtures.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("ksp cluster list|get and ksp ssh-key", { timeout: 90_000 }, () => {
  let cp: CliControlPlane;
  let dir: string;
  const ksp = (args: string[], input?: string) =>
    spawnKsp(args, {
      env: { KSP_URL: cp.url, KSP_TOKEN: cp.api.admin },
      ...(input !== undefined ? { input } : {}),
    });

  beforeAll(async () => {
    cp = await startCliControlPlane({
      encryption: new Keyring([{ id: "k1", key: crypto.getRandomValues(new Uint8Array(32)) }]),
    });
    dir = mkdtempSync(join(tmpdir(), "ksp-list-"));
  });
  afterAll(async () => {
    await cp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe("clusters", () => {
    const run = uniqueSuffix();
    const names = { agent: `cl-agent-${run}`, down: `cl-down-${run}`, fresh: `cl-fresh-${run}` };
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      const db = cp.api.database.db;
      const agent = await seedCluster(db, {
        name: names.agent,
        labels: { run },
        kubernetesVersion: "v1.30.4",
        lastHeartbeatAt: new Date(),
        nodeCountTotal: 3,
        nodeCountReady: 3,
        nodeCountsReportedAt: new Date(),
      });
      await cp.api.agentCredentialFor(agent.id);
      ids.agent = agent.id;
      for (const key of ["down", "fresh"] as const) {
        const created = await cp.api.json("POST", "/v1/clusters", {
          token: cp.api.admin,
          body: {
            name: names[key],
            labels: { run },
            mode: "kubeconfig",
            kubeconfig: tokenKubeconfig({ server: `https://${key}.example.net:6443` }).yaml,
          },
        });
        expect(created.status, JSON.stringify(created.body)).toBe(201);
        ids[key] = created.body.cluster.id;
      }
      await db.insert(clusterStates).values({
        clusterId: ids.down!,
        status: "unreachable",
        error: "connect ECONNREFUSED 192.0.2.7:6443",
        kubernetesVersion: "v1.29.8",
        nodeCountTotal: 5,
        nodeCountReady: 2,
        kubeconfigVersion: 1,
        checkedAt: new Date("2026-12-07T09:00:00.000Z"),
        consecutiveFailures: 4,
      });
    });

    const rowsOf = (stdout: string) =>
      stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => line.split(/\s{2,}/));

    it("lists agent and kubeconfig clusters side by side", async () => {
      const table = await ksp(["cluster", "list", "-l", `run=${run}`]);
      expect([table.code, table.stderr]).toEqual([0, ""]);
      const [header, ...rows] = rowsOf(table.stdout);
      expect(header).toEqual([
        "NAME",
        "HEALTH",
        "MACHINES",
        "ACCESS",
        "API SERVER",
        "VERSION",
        "NODES",
        "AGE",
      ]);
      const byName = Object.fromEntries(rows.map((r) => [r[0], r.slice(1, 7)]));
      expect(byName).toEqual({
        [names.agent]: ["healthy", "0", "agent", "-", "v1.30.4", "3/3"],
        [names.down]: ["unknown", "0", "kubeconfig", "unreachable", "v1.29.8", "2/5"],
        [names.fresh]: ["unknown", "0", "kubeconfig", "unchecked", "-", "-"],
      });
      const wide = await ksp(["cluster", "list", "-l", `run=${run}`, "-o", "wide"]);
      expect(wide.stdout.split("\n")[0]).toMatch(/\sCAPACITY\s+SERVER\s+ID\s+AGENT\s+LABELS$/);
      expect(wide.stdout).toContain("https://down.example.net:6443");
    });

    it("passes --api-server-status, --access, --kubernetes-version and --sort to the API", async () => {
      const names_ = async (...args: string[]) => {
        const r = await ksp(["cluster", "list", "-l", `run=${run}`, "-o", "name", ...args]);
        expect([r.code, r.stderr], args.join(" ")).toEqual([0, ""]);
        return r.stdout.split("\n").filter(Boolean);
      };
      expect(await names_("--api-server-status", "unreachable")).toEqual([`cluster/${names.down}`]);
      expect(await names_("--api-server-status", "unchecked")).toEqual([`cluster/${names.fresh}`]);
      expect(await names_("--access", "agent")).toEqual([`cluster/${names.agent}`]);
      expect(await names_("--access", "kubeconfig", "--sort", "-name")).toEqual([
        `cluster/${names.fresh}`,
        `cluster/${names.down}`,
      ]);
      expect(await names_("--kubernetes-version", "1.29")).toEqual([`cluster/${names.down}`]);
      expect(await names_("--kubernetes-version", "v1.30")).toEqual([`cluster/${names.agent}`]);
      expect(await names_("--sort", "name")).toEqual(
        [names.agent, names.down, names.fresh].sort().map((n) => `cluster/${n}`),
      );

      const bad = await ksp(["cluster", "list", "--api-server-status", "sleepy"]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error: validation_failed: .*apiServerStatus/);
      const badSort = await ksp(["cluster", "list", "--sort", "age"]);
      expect(badSort.code).toBe(1);
      expect(badSort.stderr).toMatch(/sort/);
    });

    it("shows a kubeconfig cluster's metadata and last check, never the kubeconfig", async () => {
      const got = await ksp(["cluster", "get", names.down]);
      expect([got.code, got.stderr]).toEqual([0, ""]);
      const lines = got.stdout.split("\n");
      expect(lines).toEqual(
        expect.arrayContaining([
          "Access:             kubeconfig",
          "API server:         unreachable",
          "Last check:         2026-12-07T09:00:00.000Z",
          "Check error:        connect ECONNREFUSED 192.0.2.7:6443",
          "Failures in a row:  4",
          "Nodes:              2/5 ready",
          "Kubernetes:         v1.29.8",
        ]),
      );
      expect(got.stdout).toMatch(
        /Kubeconfig:\s+https:\/\/down\.example\.net:6443 \(token, context test-admin@test, version 1, updated /,
      );
      const fresh = await ksp(["cluster", "get", names.fresh, "-o", "json"]);
      const answer = JSON.parse(fresh.stdout);
      expect(answer).toMatchObject({ access: { agent: false, kubeconfig: true }, apiServer: null });
      expect(fresh.stdout).not.toMatch(/eyJhbGciOiJSUzI1NiJ9|ciphertext/);
      const agent = await ksp(["cluster", "get", names.agent]);
      expect(agent.stdout).toContain("Kubeconfig:         none\n");
      expect(agent.stdout).not.toContain("API server:");
    });
  });

  describe("ssh keys", () => {
    const keygen = (file: string, passphrase: string) => {
      const made = spawnSync("ssh-keygen", [
        "-q",
        "-t",
        "ed25519",
        "-N",
        passphrase,
        "-C",
        "ksp-test",
        "-f",
        file,
      ]);
      expect(made.status, made.stderr?.toString()).toBe(0);
      const listed = spawnSync("ssh-keygen", ["-l", "-f", `${file}.pub`]).stdout.toString();
      return { privateKey: readFileSync(file, "utf8"), fingerprint: listed.split(" ")[1]! };
    };

    it("stores a key from ssh-keygen's file with its passphrase, lists, gets, rotates and deletes it", async () => {
      const name = `rack-${uniqueSuffix()}`;
      const keyFile = join(dir, `${name}`);
      const { privateKey, fingerprint } = keygen(keyFile, "correct horse");
      const passFile = join(dir, `${name}.pass`);
      writeFileSync(passFile, "correct horse\n");
      const created = await ksp([
        "ssh-key",
        "create",
        name,
        "--private-key-file",
        keyFile,
        "--passphrase-file",
        passFile,
        "--description",
        "rack 4",
      ]);
      expect([created.code, created.stderr]).toEqual([0, ""]);
      expect(created.stdout).toContain(`Fingerprint:  ${fingerprint}\n`);
      expect(created.stdout).toContain("Passphrase:   yes\n");
      // the key's type and body as ssh-keygen wrote them (the control plane comments it with its name)
      const [type, body] = readFileSync(`${keyFile}.pub`, "utf8").split(" ");
      expect(created.stdout).toContain(`Public key:   ${type} ${body} `);

      const list = await ksp(["ssh-key", "list"]);
      expect(list.stdout.split("\n")[0]).toMatch(
        /^NAME\s+ALGORITHM\s+FINGERPRINT\s+VERSION\s+PASSPHRASE\s+AGE$/,
      );
      expect(list.stdout).toMatch(
        new RegExp(`^${name}\\s+ssh-ed25519\\s+${fingerprint.replace(/[+/]/g, "\\$&")}\\s+1\\s+yes`, "m"),
      );
      const json = JSON.parse((await ksp(["ssh-key", "get", name, "-o", "json"])).stdout);
      expect(json).toMatchObject({
        name,
        fingerprint,
        version: 1,
        hasPassphrase: true,
        description: "rack 4",
      });

      // the private key from stdin, no passphrase: a rotation keeps the name and bumps the version
      const next = keygen(join(dir, `${name}-2`), "");
      const rotated = await ksp(
        ["ssh-key", "rotate", name, "--private-key-file", "-", "-o", "json"],
        next.privateKey,
      );
      expect([rotated.code, rotated.stderr]).toEqual([0, ""]);
      expect(JSON.parse(rotated.stdout)).toMatchObject({
        name,
        fingerprint: next.fingerprint,
        version: 2,
        hasPassphrase: false,
      });

      for (const out of [created.stdout, list.stdout, rotated.stdout, JSON.stringify(json)]) {
        expect(out).not.toContain("PRIVATE KEY");
        expect(out).not.toContain(privateKey.split("\n")[1]);
        expect(out).not.toContain("correct horse");
      }

      const updated = await ksp(["ssh-key", "update", name, "--description", "rack 5", "-o", "json"]);
      expect(JSON.parse(updated.stdout).description).toBe("rack 5");
      const deleted = await ksp(["ssh-key", "delete", name]);
      expect([deleted.code, deleted.stdout]).toEqual([0, `ssh-key "${name}" deleted\n`]);
      const gone = await ksp(["ssh-key", "get", name]);
      expect(gone.code).toBe(3);
    });

    it("generates a key when asked, and refuses an ambiguous or unreadable command line", async () => {
      const name = `gen-${uniqueSuffix()}`;
      const generated = await ksp(["ssh-key", "create", name, "--generate", "-o", "json"]);
      expect([generated.code, generated.stderr]).toEqual([0, ""]);
      expect(JSON.parse(generated.stdout)).toMatchObject({ name, algorithm: "ssh-ed25519", version: 1 });
      const again = await ksp(["ssh-key", "rotate", name, "--generate", "-o", "json"]);
      expect(JSON.parse(again.stdout).version).toBe(2);

      const neither = await ksp(["ssh-key", "create", `x-${uniqueSuffix()}`]);
      expect([neither.code, neither.stderr]).toEqual([
        2,
        "error: give --private-key-file FILE (an OpenSSH private key) or --generate (a new ed25519 key)\n",
      ]);
      const both = await ksp(["ssh-key", "create", "x", "--generate", "--private-key-file", "k"]);
      expect(both.code).toBe(2);
      const missing = await ksp(["ssh-key", "create", "x", "--private-key-file", join(dir, "nope")]);
      expect([missing.code, missing.stderr]).toEqual([
        2,
        `error: cannot read the private key ${join(dir, "nope")}: ENOENT\n`,
      ]);
      const taken = await ksp(["ssh-key", "create", name, "--generate"]);
      expect(taken.code).toBe(4);
      const badName = await ksp(["ssh-key", "create", "no spaces", "--generate"]);
      expect(badName.code).toBe(1);
      expect((await ksp(["ssh-key", "list", "-o", "name"])).stdout).toContain(`ssh-key/${name}\n`);
    });
  });
});
