/**
 * The session half of the fake SSH layer (fake-ssh.ts): it delegates exec to
 * its connector, which keeps the books, and returns itself to the pool on release.
 */
import {
  type ExecOptions,
  type ExecResult,
  type PooledSession,
  SshError,
  type SshTarget,
  type UploadOptions,
} from "../../../agent/ssh/types.ts";

export const addressOf = (t: SshTarget) => `${t.username}@${t.host}:${t.port}`;

/** What a session needs from its connector. */
export interface FakeSessionOwner {
  readonly uploads: { address: string; path: string; content: string; mode: number }[];
  exec(session: FakeSession, command: string, options: ExecOptions): Promise<ExecResult>;
  returned(session: FakeSession, address: string): void;
}

export class FakeSession implements PooledSession {
  alive = true;
  private out = true;

  constructor(
    private readonly connector: FakeSessionOwner,
    readonly target: SshTarget,
    readonly hostFingerprint: string,
  ) {}

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.connector.exec(this, command, options);
  }

  async upload(path: string, content: string | Uint8Array, options: UploadOptions): Promise<void> {
    if (!this.alive) throw new SshError("connection", "fake connection is closed");
    const text = typeof content === "string" ? content : Buffer.from(content).toString("utf8");
    this.connector.uploads.push({ address: addressOf(this.target), path, content: text, mode: options.mode });
  }

  /** Sessions are checked out again when reused from the pool. */
  checkout(): this {
    this.out = true;
    return this;
  }

  release(): void {
    // A double release is an engine bug; fail loudly in tests.
    if (!this.out) throw new Error(`fake session to ${addressOf(this.target)} released twice`);
    this.out = false;
    this.connector.returned(this, addressOf(this.target));
  }
}

export function delay(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits `ms` unless `signal` aborts first. */
export function wait(ms: number, signal: AbortSignal | undefined): Promise<"waited" | "aborted"> {
  if (signal?.aborted) return Promise.resolve("aborted");
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve("aborted");
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve("waited");
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
