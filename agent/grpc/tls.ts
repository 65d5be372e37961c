/**
 * Server credentials for the externalgrpc server: plaintext, TLS, or mutual
 * TLS (a client CA file means a client certificate is REQUIRED), from PEM
 * files that are re-read on an interval and swapped in when they change, so
 * cert-manager renewals take effect without a restart.
 *
 * Why not grpc-js's experimental FileWatcherCertificateProvider: in 1.14 its
 * factory passes the CA and identity providers to the constructor in swapped
 * order, and a failed or half-written read (new cert, old key) makes the
 * server drop every new connection until the next read. Here a change is
 * validated first; if the new files do not form a usable context the last
 * good one keeps serving and the problem is logged.
 *
 * ALPN: node's HTTP/2 secure server offers only "h2", which is what grpc-go
 * ≥ 1.67 insists on (it refuses servers that negotiate no protocol).
 */
import { readFile as readFileFromDisk } from "node:fs/promises";
import { createSecureContext, type SecureContextOptions } from "node:tls";
import { ServerCredentials } from "@grpc/grpc-js";
import type { Logger } from "../../shared/logger.ts";
import type { GrpcTlsConfig } from "../config.ts";
import { AgentError } from "../errors.ts";

export const DEFAULT_TLS_RELOAD_INTERVAL_MS = 10_000;

export interface GrpcServerCredentials {
  credentials: ServerCredentials;
  /** "plaintext" | "tls" | "mtls", for the start-up log */
  mode: "plaintext" | "tls" | "mtls";
  /** stops watching the files */
  close(): void;
}

export interface TlsFileOptions {
  logger: Logger;
  reloadIntervalMs?: number;
  readFile?: (path: string) => Promise<Buffer>;
}

/** grpc-js calls `_addWatcher` per listening socket; `replace` pushes new material to all of them. */
class ReloadableServerCredentials extends ServerCredentials {
  constructor(requireClientCertificate: boolean, initial: SecureContextOptions) {
    super(
      {
        requestCert: requireClientCertificate,
        rejectUnauthorized: requireClientCertificate,
        minVersion: "TLSv1.2",
      },
      initial,
    );
  }

  replace(options: SecureContextOptions): void {
    this.updateSecureContextOptions(options);
  }

  override _equals(other: ServerCredentials): boolean {
    return other === this;
  }
}

interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer | null;
}

async function readMaterial(
  tls: GrpcTlsConfig,
  readFile: (path: string) => Promise<Buffer>,
): Promise<TlsMaterial> {
  const read = (path: string, what: string) =>
    readFile(path).catch((err: unknown) => {
      const reason = (err as { code?: string }).code ?? "read failed";
      throw new AgentError(
        "invalid_argument",
        `gRPC TLS ${what} ${path}: cannot read (${reason})`,
        {},
        { cause: err },
      );
    });
  const [cert, key, ca] = await Promise.all([
    read(tls.certFile, "certificate"),
    read(tls.keyFile, "private key"),
    tls.clientCaFile === null ? null : read(tls.clientCaFile, "client CA"),
  ]);
  return { cert, key, ca };
}

/** Throws when the files do not form a usable context (bad PEM, key not matching the certificate). */
function toContextOptions(tls: GrpcTlsConfig, material: TlsMaterial): SecureContextOptions {
  const options: SecureContextOptions = { cert: material.cert, key: material.key };
  if (material.ca) options.ca = material.ca;
  try {
    createSecureContext(options);
  } catch (err) {
    // OpenSSL's message names the problem ("key values mismatch", "no start line"), never key material.
    const reason = err instanceof Error ? err.message : String(err);
    throw new AgentError(
      "invalid_argument",
      `gRPC TLS files ${tls.certFile}, ${tls.keyFile}${tls.clientCaFile ? `, ${tls.clientCaFile}` : ""}: ${reason}`,
    );
  }
  return options;
}

function sameMaterial(a: TlsMaterial, b: TlsMaterial): boolean {
  return (
    a.cert.equals(b.cert) &&
    a.key.equals(b.key) &&
    (a.ca === null ? b.ca === null : !!b.ca && a.ca.equals(b.ca))
  );
}

export async function createGrpcServerCredentials(
  tls: GrpcTlsConfig | null,
  options: TlsFileOptions,
): Promise<GrpcServerCredentials> {
  if (tls === null) return { credentials: ServerCredentials.createInsecure(), mode: "plaintext", close() {} };
  const { logger } = options;
  const readFile = options.readFile ?? readFileFromDisk;
  let current = await readMaterial(tls, readFile);
  const credentials = new ReloadableServerCredentials(
    tls.clientCaFile !== null,
    toContextOptions(tls, current),
  );
  // Remembered so a broken file is reported once, not on every tick.
  let lastRejected: TlsMaterial | null = null;
  let reloading = false;

  const reload = async () => {
    if (reloading) return;
    reloading = true;
    try {
      const next = await readMaterial(tls, readFile);
      if (sameMaterial(next, current) || (lastRejected && sameMaterial(next, lastRejected))) return;
      try {
        credentials.replace(toContextOptions(tls, next));
        current = next;
        lastRejected = null;
        logger.info("gRPC TLS files changed; new connections use them");
      } catch (err) {
        lastRejected = next;
        logger.warn("gRPC TLS files changed but are not usable; still serving the previous ones", { err });
      }
    } catch (err) {
      // Mid-rotation a file may briefly be missing; the next tick tries again.
      logger.debug("gRPC TLS files not readable right now", { err });
    } finally {
      reloading = false;
    }
  };
  const timer = setInterval(() => void reload(), options.reloadIntervalMs ?? DEFAULT_TLS_RELOAD_INTERVAL_MS);
  timer.unref();
  return { credentials, mode: tls.clientCaFile === null ? "tls" : "mtls", close: () => clearInterval(timer) };
}
