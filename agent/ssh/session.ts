/**
 * A pooled session: one connection lent to one caller until release(). Each
 * exec opens its own channel, so a caller may run commands concurrently.
 */
import { killCommand, newMarker, wrapCommand } from "./command.ts";
import type { SshConnection } from "./connection.ts";
import { execOnChannel } from "./exec.ts";
import type { ExecOptions, ExecResult, PooledSession, UploadOptions } from "./types.ts";
import { SshError } from "./types.ts";
import { uploadVia } from "./upload.ts";

export interface SessionDeps {
  username: string;
  now: () => number;
  onRelease: (connection: SshConnection) => void;
}

const KILL_TIMEOUT_MS = 5_000;

type RunOptions = Omit<ExecOptions, "stdin"> & { stdin?: string | Uint8Array };

export class LentSession implements PooledSession {
  private released = false;

  constructor(
    private readonly connection: SshConnection,
    private readonly deps: SessionDeps,
  ) {}

  get hostFingerprint(): string {
    return this.connection.fingerprint;
  }

  exec(command: string, options: ExecOptions): Promise<ExecResult> {
    return this.run(command, options);
  }

  upload(path: string, content: string | Uint8Array, options: UploadOptions): Promise<void> {
    return uploadVia((c, o) => this.run(c, o), path, content, options, this.connection.key);
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.deps.onRelease(this.connection);
  }

  private async run(command: string, options: RunOptions): Promise<ExecResult> {
    const where = this.connection.key;
    if (this.released)
      throw new SshError("connection", `session on ${where} used after release`, { retryable: false });
    if (!this.connection.isAlive) throw new SshError("connection", `connection to ${where} is closed`);
    const marker = newMarker();
    const { username, now } = this.deps;
    const line = wrapCommand(command, { timeoutMs: options.timeoutMs, username, sudo: options.sudo, marker });
    return execOnChannel(this.connection.client, line, {
      ...options,
      now,
      connectionAlive: () => this.connection.isAlive,
      killRemote: () => this.killRemote(marker, options.sudo),
      where,
    });
  }

  /** Best effort: on a dead connection there is nothing to reach (the host-side timeout still fires). */
  private async killRemote(marker: string, sudo: boolean | undefined): Promise<void> {
    if (!this.connection.isAlive) return;
    const line = wrapCommand(killCommand(marker), {
      timeoutMs: KILL_TIMEOUT_MS,
      username: this.deps.username,
      sudo,
      marker: newMarker(),
    });
    await execOnChannel(this.connection.client, line, {
      timeoutMs: KILL_TIMEOUT_MS,
      now: this.deps.now,
      connectionAlive: () => this.connection.isAlive,
      killRemote: async () => undefined,
      where: this.connection.key,
    }).catch(() => undefined);
  }
}
