/**
 * The one session a host uses for a whole run: taken on first use, kept
 * across steps (one handshake per host when nothing fails), released at the
 * end. After a connection error the session is handed back (the pool drops a
 * dead connection) and the next attempt takes a fresh one.
 */
import type { PooledSession, SshConnector, SshTarget } from "../ssh/types.ts";

export class SessionHolder {
  private pending: Promise<PooledSession> | undefined;

  constructor(
    private readonly connector: SshConnector,
    private readonly target: SshTarget,
    private readonly onPinned: ((fingerprint: string) => void) | undefined,
  ) {}

  /** The host's session; a failed connect is forgotten so a retry connects again. */
  get(): Promise<PooledSession> {
    if (this.pending === undefined) {
      const options = this.onPinned === undefined ? undefined : { onPinned: this.onPinned };
      const attempt = this.connector.session(this.target, options);
      this.pending = attempt;
      attempt.catch(() => {
        if (this.pending === attempt) this.pending = undefined;
      });
    }
    return this.pending;
  }

  /**
   * Hands the session back. Not awaited: a connect still in flight (its step
   * timed out) is released whenever it lands rather than leaked.
   */
  release(): void {
    const held = this.pending;
    this.pending = undefined;
    held?.then(
      (session) => session.release(),
      () => undefined,
    );
  }
}
