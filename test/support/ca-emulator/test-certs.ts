/**
 * A throw-away PKI for (m)TLS tests, made with the openssl CLI: one CA, a
 * server certificate for localhost/127.0.0.1 and a client certificate, all
 * signed by that CA, plus a second CA whose client certificate the server
 * must refuse. Files are written to a temp dir (agents read certs from files).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export interface CertPair {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestPki {
  dir: string;
  ca: CertPair;
  server: CertPair;
  client: CertPair;
  /** signed by an unrelated CA */
  strangerClient: CertPair;
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

function selfSignedCa(dir: string, name: string): CertPair {
  openssl(
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", `/CN=${name}`]
      .concat(["-keyout", `${name}.key`, "-out", `${name}.crt`])
      .concat(["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"]),
    dir,
  );
  return pair(dir, name);
}

function signed(dir: string, name: string, ca: string, extensions: string): CertPair {
  openssl(
    ["req", "-newkey", "rsa:2048", "-nodes", "-subj", `/CN=${name}`, "-keyout", `${name}.key`].concat([
      "-out",
      `${name}.csr`,
    ]),
    dir,
  );
  writeFileSync(path.join(dir, `${name}.ext`), extensions);
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${ca}.crt`,
      "-CAkey",
      `${ca}.key`,
      "-CAcreateserial",
    ].concat(["-days", "2", "-out", `${name}.crt`, "-extfile", `${name}.ext`]),
    dir,
  );
  return pair(dir, name);
}

function pair(dir: string, name: string): CertPair {
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

/** For `requireService("openssl", opensslAvailable)`. */
export async function opensslAvailable(): Promise<boolean> {
  try {
    execFileSync("openssl", ["version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), "ksp-pki-"));
  const ca = selfSignedCa(dir, "ca");
  const server = signed(
    dir,
    "server",
    "ca",
    "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
  );
  const client = signed(dir, "client", "ca", "extendedKeyUsage=clientAuth\n");
  selfSignedCa(dir, "stranger-ca");
  const strangerClient = signed(dir, "stranger", "stranger-ca", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    ca,
    server,
    client,
    strangerClient,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
