/**
 * `ksp cluster create --kubeconfig`, `set-kubeconfig` and `remove-kubeconfig`
 * (the real binary, spawned) against a real control plane with an
 * encryption key: a kubeconfig cluster gets no registration token, the
 * kubeconfig is read from a file or stdin and never printed, a refused one
 * exits with the API's 400 message, and the CLI's output never holds the
 * credential.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Keyring } from "../../../functions/lib/crypto/keyring.ts";
import { type CliControlPlane, spawnKsp, startCliControlPlane } from "../../support/cli/binary.ts";
import { uniqueSuffix } from "../../support/cli/world.ts";
import {
  b64,
  clientCertKubeconfig,
  kubeconfigYaml,
  tokenKubeconfig,
} from "../../support/kubeconfig-fixtures.ts";
import { requirePostgres } from "../../support/postgres.ts";

const ok = await requirePostgres();

describe.skipIf(!ok)("ksp cluster with kubeconfigs", { timeout: 90_000 }, () => {
  let cp: CliControlPlane;
  let dir: string;
  const ksp = (args: string[], input?: string) =>
    spawnKsp(args, {
      env: { KSP_URL: cp.url, KSP_TOKEN: cp.api.admin },
      ...(input !== undefined ? { input } : {}),
    });
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  beforeAll(async () => {
    cp = await startCliControlPlane({
      encryption: new Keyring([{ id: "k1", key: crypto.getRandomValues(new Uint8Array(32)) }]),
    });
    dir = mkdtempSync(join(tmpdir(), "ksp-kubeconfig-"));
  });
  afterAll(async () => {
    await cp?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("creates a kubeconfig cluster from a file (no token), replaces it from stdin, removes it", async () => {
    const name = `cli-kc-${uniqueSuffix()}`;
    const first = tokenKubeconfig({ server: "https://kc.example:6443" });
    const created = await ksp(["cluster", "create", name, "--kubeconfig", file("kc.yaml", first.yaml)]);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Name:`);
    expect(created.stdout).toMatch(/Kubeconfig:\s+https:\/\/kc\.example:6443 \(token\)/);
    expect(created.stdout).not.toContain("Registration token");
    expect(created.stderr).toBe(
      `No registration token: to add an agent later, run ksp cluster rotate-token ${name}\n`,
    );

    const json = await ksp(["cluster", "get", name, "-o", "json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({
      access: { agent: false, kubeconfig: true },
      kubeconfig: { server: "https://kc.example:6443", authKind: "token", version: 1 },
    });

    const second = clientCertKubeconfig({ server: "https://10.9.8.7:6443" });
    const replaced = await ksp(["cluster", "set-kubeconfig", name, "-", "-o", "json"], b64(second.yaml));
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(JSON.parse(replaced.stdout).kubeconfig).toMatchObject({
      server: "https://10.9.8.7:6443",
      authKind: "client-certificate",
      hasCertificateAuthority: true,
      version: 2,
    });

    const removed = await ksp(["cluster", "remove-kubeconfig", name]);
    expect([removed.code, removed.stdout, removed.stderr]).toEqual([
      0,
      `cluster "${name}" kubeconfig removed\n`,
      "",
    ]);
    const again = await ksp(["cluster", "remove-kubeconfig", name]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/not_found: .*has no kubeconfig/);

    for (const run of [created, json, replaced, removed]) {
      const out = run.stdout + run.stderr;
      for (const secret of [first.token, second.keyPem, b64(second.keyPem), b64(first.token)]) {
        expect(out).not.toContain(secret);
      }
    }
  });

  it("--mode agent with --kubeconfig gives both; a refused kubeconfig exits with the API's message", async () => {
    const both = `cli-both-${uniqueSuffix()}`;
    const run = await ksp([
      "cluster",
      "create",
      both,
      "--mode",
      "agent",
      "--kubeconfig",
      file("both.yaml", tokenKubeconfig().yaml),
      "-o",
      "json",
    ]);
    expect(run.code, run.stderr).toBe(0);
    const answer = JSON.parse(run.stdout);
    expect(answer.registrationToken).toMatch(/^ksp_reg_/);
    expect(answer.cluster.kubeconfig.version).toBe(1);

    const token = "eyJhbGciOiJSUzI1NiJ9.refused-token-value.signature";
    const refused = await ksp([
      "cluster",
      "create",
      `cli-bad-${uniqueSuffix()}`,
      "--kubeconfig",
      file("exec.yaml", kubeconfigYaml({ user: { token, exec: { command: "aws" } } })),
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /validation_failed: kubeconfig: users\["test-admin"\]\.user\.exec is not supported/,
    );
    expect(refused.stderr + refused.stdout).not.toContain(token);

    const missing = await ksp(["cluster", "set-kubeconfig", both, join(dir, "nope.yaml")]);
    expect([missing.code, missing.stderr]).toEqual([
      2,
      `error: cannot read ${join(dir, "nope.yaml")}: ENOENT\n`,
    ]);
    const mode = await ksp(["cluster", "create", `cli-m-${uniqueSuffix()}`, "--mode", "ssh"]);
    expect(mode.code).not.toBe(0);
    expect(mode.stderr).toMatch(/--mode <mode>' argument 'ssh' is invalid/);
  });
});
