/**
 * One authenticated SSH connection (ssh2 Client): the handshake with host key
 * verification, failures sorted into error classes, and a liveness flag the
 * pool reads so a dead connection is never handed out again.
 */
import ssh2 from "ssh2";
import { decideHostKey, fingerprintOf } from "./host-key.ts";
import { type HostKeyPolicy, SshError, type SshTarget } from "./types.ts";

export interface ConnectOptions {
  policy: HostKeyPolicy;
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
}

const CLOSE_WAIT_MS = 2_000;

export const poolKey = (t: Pick<SshTarget, "username" | "host" | "port">): string =>
  `${t.username}@${t.host}:${t.port}`;

export class SshConnection {
  private alive = true;
  private readonly deathListeners: ((reason: string) => void)[] = [];

  constructor(
    readonly client: ssh2.Client,
    readonly key: string,
    /** the host key fingerprint verified during the handshake */
    readonly fingerprint: string,
    private readonly socketClosed: Promise<void>,
  ) {}

  get isAlive(): boolean {
    return this.alive;
  }

  onDeath(listener: (reason: string) => void): void {
    this.deathListeners.push(listener);
  }

  /** Called for error/close/end events of the client; runs the listeners once. */
  markDead(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    for (const listener of this.deathListeners) listener(reason);
  }

  /** Ends the connection; resolves once the socket is closed (or after a short wait). */
  close(): Promise<void> {
    this.markDead("closed");
    this.client.end();
    return Promise.race([this.socketClosed, new Promise<void>((r) => setTimeout(r, CLOSE_WAIT_MS).unref())]);
  }
}

function classify(err: Error & { level?: string }, where: string): SshError {
  if (err.level === "client-authentication") {
    return new SshError("auth", `authentication to ${where} failed: ${err.message}`, { cause: err });
  }
  if (err.level === "client-timeout") {
    return new SshError("timeout", `connecting to ${where} timed out: ${err.message}`, { cause: err });
  }
  return new SshError("connection", `cannot connect to ${where}: ${err.message}`, { cause: err });
}

/** Connects and authenticates; rejects with SshError host-key, auth, timeout or connection. */
export function openConnection(target: SshTarget, options: ConnectOptions): Promise<SshConnection> {
  const where = poolKey(target);
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let connection: SshConnection | undefined;
    let presented: string | undefined;
    let refusal: string | undefined;
    let settled = false;
    const socketClosed = new Promise<void>((r) => client.once("close", () => r()));
    const fail = (err: SshError) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(err);
    };
    // ssh2 may emit several errors; one listener stays for the client's whole life.
    client.on("error", (err: Error & { level?: string }) => {
      if (connection) connection.markDead(err.message);
      else fail(refusal ? new SshError("host-key", refusal, { cause: err }) : classify(err, where));
    });
    const onGone = (event: string) => () => {
      if (connection) connection.markDead(`connection ${event}`);
      else fail(new SshError("connection", `connection to ${where} closed during the handshake`));
    };
    client.on("close", onGone("close"));
    client.on("end", onGone("end"));
    client.once("ready", () => {
      if (settled || presented === undefined) return;
      settled = true;
      connection = new SshConnection(client, where, presented, socketClosed);
      resolve(connection);
    });
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: target.key,
        passphrase: target.passphrase,
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        hostVerifier: (blob: Buffer) => {
          presented = fingerprintOf(blob);
          const decision = decideHostKey(options.policy, target.pinnedFingerprint, presented, where);
          if (!decision.accept) refusal = decision.reason;
          return decision.accept;
        },
      });
    } catch (err) {
      // ssh2 checks its config synchronously. A key it cannot parse (wrong or missing passphrase,
      // not a private key) is an auth failure; anything else is a bad target. Neither is retried.
      const reason = err instanceof Error ? err.message : String(err);
      if (/privateKey/.test(reason)) {
        fail(new SshError("auth", `cannot use the private key for ${where}: ${reason}`, { cause: err }));
      } else {
        fail(
          new SshError("connection", `cannot connect to ${where}: ${reason}`, {
            retryable: false,
            cause: err,
          }),
        );
      }
    }
  });
}
