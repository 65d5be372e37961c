/**
 * A throw-away PKI for (m)TLS tests, made with the openssl CLI in a temp dir
 * (the agent reads certificates from files): two unrelated CAs, "ca" and
 * "other-ca", and certificates issued on demand. `createMtlsPki` adds the
 * usual set: a server certificate for localhost/127.0.0.1, a client
 * certificate, and a client certificate from the other CA that a server
 * trusting "ca" must refuse. P-256 keys: quick to make, accepted by grpc-js.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CertPair {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

export type TestCaName = "ca" | "other-ca";

export interface IssueOptions {
  ca: TestCaName;
  commonName: string;
  /** a client certificate; otherwise a server certificate for localhost/127.0.0.1 */
  clientAuth?: boolean;
}

export interface TestPki {
  dir: string;
  ca: CertPair;
  /** unrelated to `ca` */
  otherCa: CertPair;
  /** a path in the PKI's directory, e.g. `file("ca.crt")` */
  file(name: string): string;
  /** writes `${name}.crt`/`${name}.key`, signed by `options.ca` */
  issue(name: string, options: IssueOptions): Promise<CertPair>;
  remove(): void;
}

export interface MtlsPki extends TestPki {
  server: CertPair;
  client: CertPair;
  /** signed by `otherCa` */
  strangerClient: CertPair;
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
const CA_EXTENSIONS = [
  "-addext",
  "basicConstraints=critical,CA:TRUE",
  "-addext",
  "keyUsage=critical,keyCertSign",
];

function pair(dir: string, name: string): CertPair {
  const certPath = path.join(dir, `${name}.crt`);
  const keyPath = path.join(dir, `${name}.key`);
  return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

async function selfSignedCa(dir: string, name: TestCaName): Promise<CertPair> {
  await run("openssl", [
    ...["req", "-x509", ...EC_KEY, "-days", "2", "-subj", `/CN=ksp test ${name}`, ...CA_EXTENSIONS],
    ...["-keyout", path.join(dir, `${name}.key`), "-out", path.join(dir, `${name}.crt`)],
  ]);
  return pair(dir, name);
}

async function issue(
  dir: string,
  name: string,
  { ca, commonName, clientAuth }: IssueOptions,
): Promise<CertPair> {
  const file = (suffix: string) => path.join(dir, `${name}.${suffix}`);
  writeFileSync(
    file("ext"),
    clientAuth
      ? "extendedKeyUsage=clientAuth\n"
      : "extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n",
  );
  await run("openssl", [
    ...["req", ...EC_KEY, "-subj", `/CN=${commonName}`, "-keyout", file("key"), "-out", file("csr")],
  ]);
  await run("openssl", [
    ...["x509", "-req", "-in", file("csr"), "-days", "2", "-extfile", file("ext"), "-out", file("crt")],
    ...["-CA", path.join(dir, `${ca}.crt`), "-CAkey", path.join(dir, `${ca}.key`), "-CAcreateserial"],
  ]);
  return pair(dir, name);
}

/** The two CAs; certificates issued on demand (one at a time: they share the CA's serial file). */
export async function createTestPki(): Promise<TestPki> {
  const dir = mkdtempSync(path.join(tmpdir(), "ksp-pki-"));
  return {
    dir,
    ca: await selfSignedCa(dir, "ca"),
    otherCa: await selfSignedCa(dir, "other-ca"),
    file: (name) => path.join(dir, name),
    issue: (name, options) => issue(dir, name, options),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The two CAs plus server, client and stranger-client certificates. */
export async function createMtlsPki(): Promise<MtlsPki> {
  const pki = await createTestPki();
  const server = await pki.issue("server", { ca: "ca", commonName: "server" });
  const client = await pki.issue("client", { ca: "ca", commonName: "client", clientAuth: true });
  const strangerClient = await pki.issue("stranger", {
    ca: "other-ca",
    commonName: "stranger",
    clientAuth: true,
  });
  return { ...pki, server, client, strangerClient };
}

/** For `requireService("openssl", opensslAvailable)`. */
export async function opensslAvailable(): Promise<boolean> {
  return run("openssl", ["version"]).then(
    () => true,
    () => false,
  );
}
