/**
 * A throwaway cluster CA made by the openssl CLI, with its kubeadm discovery
 * hash computed the way kubeadm's documentation does it
 * (`openssl x509 -pubkey | openssl pkey -pubin -outform der | sha256sum`),
 * independently of the code under test. Also the cluster-info kubeconfig
 * kubeadm publishes around it.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestCa {
  pem: string;
  /** "sha256:<hex>" of the DER SubjectPublicKeyInfo */
  hash: string;
}

export function makeTestCa(keyType: "rsa" | "ec" = "ec"): TestCa {
  const dir = mkdtempSync(join(tmpdir(), "ksp-test-ca-"));
  try {
    const key = join(dir, "ca.key");
    const cert = join(dir, "ca.crt");
    const newkey =
      keyType === "rsa" ? ["-newkey", "rsa:2048"] : ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        ...newkey,
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "1",
        "-subj",
        "/CN=kubernetes",
      ],
      {
        stdio: "pipe",
      },
    );
    const pubkey = execFileSync("openssl", ["x509", "-in", cert, "-pubkey", "-noout"]);
    const der = execFileSync("openssl", ["pkey", "-pubin", "-outform", "der"], { input: pubkey });
    const digest = execFileSync("openssl", ["dgst", "-sha256", "-hex"], { input: der }).toString();
    const hex = /([0-9a-f]{64})\s*$/.exec(digest)?.[1];
    if (!hex) throw new Error(`unexpected openssl dgst output: ${digest}`);
    return { pem: readFileSync(cert, "utf8"), hash: `sha256:${hex}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** cluster-info's `kubeconfig` key as kubeadm writes it: one unnamed cluster, no users. */
export function clusterInfoKubeconfig(server: string, caPem: string): string {
  return [
    "apiVersion: v1",
    "clusters:",
    "- cluster:",
    `    certificate-authority-data: ${Buffer.from(caPem).toString("base64")}`,
    `    server: ${server}`,
    '  name: ""',
    "contexts: null",
    'current-context: ""',
    "kind: Config",
    "preferences: {}",
    "users: null",
    "",
  ].join("\n");
}
