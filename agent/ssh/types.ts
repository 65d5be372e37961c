/**
 * The contract between the pipeline engine (agent/pipeline/) and the SSH
 * layer (agent/ssh/). The engine asks for a session per host and runs
 * commands and uploads through it; it never sees ssh2. Test doubles live
 * under test/support/.
 */
import { KspError } from "../../shared/errors.ts";

/** Where and as whom to connect. `key` is the private key (PEM/OpenSSH), never logged. */
export interface SshTarget {
  host: string;
  port: number;
  username: string;
  key: string;
  passphrase?: string;
  /** the pinned host key fingerprint (SHA256:… as `ssh-keygen -l` prints it), or null when none is pinned yet */
  pinnedFingerprint: string | null;
}

export type HostKeyPolicy = "pin-on-first-use" | "require-known";

/** Why something failed, as the engine reports it (issue 5: error class). */
export type SshErrorClass = "connection" | "auth" | "host-key" | "timeout" | "command" | "precondition";

export interface ExecOptions {
  /** kills the remote process (and its process group) when it runs longer */
  timeoutMs: number;
  /** bytes written to the command's stdin (e.g. a secret the command reads instead of argv) */
  stdin?: string;
  /** run through `sudo -n` when the user is not root */
  sudo?: boolean;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
}

export interface ExecResult {
  exitCode: number | null;
  /** the remote process was killed because it ran past timeoutMs */
  timedOut: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface UploadOptions {
  /** octal mode, e.g. 0o600 */
  mode: number;
  owner?: string;
  group?: string;
  sudo?: boolean;
  timeoutMs: number;
}

export interface SshSession {
  /** `command` is a complete shell command line; every interpolated value must already be quoted */
  exec(command: string, options: ExecOptions): Promise<ExecResult>;
  /** writes `content` to `path` atomically and verifies its SHA-256 on the host */
  upload(path: string, content: string | Uint8Array, options: UploadOptions): Promise<void>;
  /** the host key fingerprint this session verified */
  readonly hostFingerprint: string;
}

export interface SshConnector {
  /**
   * A session on `target`, from the pool when one is idle. Rejects with
   * SshError: host-key (mismatch, or unknown under require-known), auth,
   * connection, timeout. `onPinned` receives the fingerprint learned on first use.
   */
  session(target: SshTarget, options?: { onPinned?: (fingerprint: string) => void }): Promise<PooledSession>;
  /** handshakes made so far, per `user@host:port` */
  handshakes(): Map<string, number>;
  close(): Promise<void>;
}

export interface PooledSession extends SshSession {
  /** back to the pool (or closed when the pool is full / the connection died) */
  release(): void;
}

/** The SSH transport's one error class; `errorClass` (its code) is what results report. */
export class SshError extends KspError<SshErrorClass> {
  readonly retryable: boolean;
  constructor(
    errorClass: SshErrorClass,
    message: string,
    options?: { retryable?: boolean; cause?: unknown },
  ) {
    super(errorClass, message, undefined, options);
    this.name = "SshError";
    this.retryable = options?.retryable ?? (errorClass === "connection" || errorClass === "timeout");
  }

  get errorClass(): SshErrorClass {
    return this.code;
  }
}
