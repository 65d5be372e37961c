/**
 * An in-memory SshConnector for engine and pipeline unit tests: scripted
 * replies per command pattern, latency, failures by error class, host keys,
 * and the counters tests assert on (handshakes, sessions out, execs in flight).
 * Behaves like the real pool where the engine can tell: idle sessions are
 * reused, a session that hit a connection error is dead and not pooled again.
 */
import {
  type ExecOptions,
  type ExecResult,
  type PooledSession,
  type SshConnector,
  SshError,
  type SshErrorClass,
  type SshTarget,
} from "../../../agent/ssh/types.ts";
import { addressOf, delay, FakeSession, type FakeSessionOwner, wait } from "./fake-ssh-session.ts";

export interface FakeReply {
  exitCode?: number | null;
  stdout?: string;
  stderr?: string;
  latencyMs?: number;
  /** reject with SshError of this class; `connection` also kills the session */
  fail?: SshErrorClass;
}

export type FakeResponder = FakeReply | ((command: string, target: SshTarget) => FakeReply);

export interface FakeExec {
  address: string;
  command: string;
  stdin: string | undefined;
  sudo: boolean;
  outcome: "ok" | "failed" | "timed-out" | "aborted" | "pending";
}

interface Rule {
  match: string | RegExp;
  reply: FakeResponder;
  host: string | undefined;
  remaining: number;
}

const machineOf = (t: SshTarget) => `${t.host}:${t.port}`;

export class FakeSshConnector implements SshConnector, FakeSessionOwner {
  readonly execs: FakeExec[] = [];
  readonly uploads: { address: string; path: string; content: string; mode: number }[] = [];
  connectAttempts = 0;
  sessionsOut = 0;
  maxSessionsOut = 0;
  maxExecsInFlight = 0;
  /** most execs at once on one machine (host:port) */
  readonly maxExecsPerMachine = new Map<string, number>();
  private execsInFlight = 0;
  private readonly inFlightPerMachine = new Map<string, number>();
  private readonly rules: Rule[] = [];
  private readonly connectFailures: { host: string; errorClass: SshErrorClass; remaining: number }[] = [];
  private readonly fingerprints = new Map<string, string>();
  private readonly idle = new Map<string, FakeSession[]>();
  private readonly handshakeCounts = new Map<string, number>();

  constructor(private readonly options: { handshakeMs?: number; execLatencyMs?: number } = {}) {}

  /** Replies to commands containing `match` (or matching it); the latest matching rule wins. */
  on(match: string | RegExp, reply: FakeResponder, options: { host?: string; times?: number } = {}): this {
    this.rules.unshift({
      match,
      reply,
      host: options.host,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
    });
    return this;
  }

  /** The next `times` connects to `host` fail with this class. */
  failConnect(host: string, errorClass: SshErrorClass, times = 1): this {
    this.connectFailures.push({ host, errorClass, remaining: times });
    return this;
  }

  fingerprintOf(host: string): string {
    return this.fingerprints.get(host) ?? `SHA256:fake-${host}`;
  }

  setFingerprint(host: string, fingerprint: string): this {
    this.fingerprints.set(host, fingerprint);
    return this;
  }

  async session(
    target: SshTarget,
    options?: { onPinned?: (fingerprint: string) => void },
  ): Promise<PooledSession> {
    this.connectAttempts += 1;
    const address = addressOf(target);
    const reusable = this.idle.get(address)?.pop();
    if (reusable === undefined) {
      await delay(this.options.handshakeMs ?? 0);
      const failure = this.connectFailures.find((f) => f.host === target.host && f.remaining > 0);
      if (failure !== undefined) {
        failure.remaining -= 1;
        throw new SshError(failure.errorClass, `fake ${failure.errorClass} failure connecting to ${address}`);
      }
      const fingerprint = this.fingerprintOf(target.host);
      if (target.pinnedFingerprint !== null && target.pinnedFingerprint !== fingerprint) {
        throw new SshError(
          "host-key",
          `host key mismatch for ${address}: pinned ${target.pinnedFingerprint}, got ${fingerprint}`,
        );
      }
      if (target.pinnedFingerprint === null) options?.onPinned?.(fingerprint);
      this.handshakeCounts.set(address, (this.handshakeCounts.get(address) ?? 0) + 1);
    }
    this.sessionsOut += 1;
    this.maxSessionsOut = Math.max(this.maxSessionsOut, this.sessionsOut);
    return reusable?.checkout() ?? new FakeSession(this, target, this.fingerprintOf(target.host));
  }

  handshakes(): Map<string, number> {
    return new Map(this.handshakeCounts);
  }

  async close(): Promise<void> {
    this.idle.clear();
  }

  /** @internal: FakeSession.release */
  returned(session: FakeSession, address: string): void {
    this.sessionsOut -= 1;
    if (session.alive) this.idle.set(address, [...(this.idle.get(address) ?? []), session]);
  }

  /** @internal: a FakeSession's exec, with the bookkeeping tests assert on */
  async exec(session: FakeSession, command: string, options: ExecOptions): Promise<ExecResult> {
    const record: FakeExec = {
      address: addressOf(session.target),
      command,
      stdin: options.stdin,
      sudo: options.sudo ?? false,
      outcome: "pending",
    };
    this.execs.push(record);
    if (!session.alive) {
      record.outcome = "failed";
      throw new SshError("connection", `fake connection to ${record.address} is closed`);
    }
    const machine = machineOf(session.target);
    const bump = (by: number) => {
      this.execsInFlight += by;
      this.inFlightPerMachine.set(machine, (this.inFlightPerMachine.get(machine) ?? 0) + by);
    };
    bump(1);
    this.maxExecsInFlight = Math.max(this.maxExecsInFlight, this.execsInFlight);
    const perMachine = Math.max(
      this.maxExecsPerMachine.get(machine) ?? 0,
      this.inFlightPerMachine.get(machine)!,
    );
    this.maxExecsPerMachine.set(machine, perMachine);
    const started = Date.now();
    try {
      const reply = this.replyFor(command, session.target);
      const latency = reply.latencyMs ?? this.options.execLatencyMs ?? 0;
      const waited = await wait(Math.min(latency, options.timeoutMs), options.signal);
      if (waited === "aborted") {
        record.outcome = "aborted";
        throw options.signal?.reason ?? new SshError("timeout", "aborted");
      }
      if (latency > options.timeoutMs) {
        record.outcome = "timed-out";
        return { exitCode: null, timedOut: true, stdout: "", stderr: "", durationMs: Date.now() - started };
      }
      if (reply.fail !== undefined) {
        record.outcome = "failed";
        if (reply.fail === "connection") session.alive = false;
        throw new SshError(reply.fail, `fake ${reply.fail} failure running a command on ${record.address}`);
      }
      if (reply.stdout) options.onStdout?.(reply.stdout);
      if (reply.stderr) options.onStderr?.(reply.stderr);
      record.outcome = "ok";
      const exitCode = reply.exitCode === undefined ? 0 : reply.exitCode;
      const output = { stdout: reply.stdout ?? "", stderr: reply.stderr ?? "" };
      return { exitCode, timedOut: false, ...output, durationMs: Date.now() - started };
    } finally {
      bump(-1);
    }
  }

  private replyFor(command: string, target: SshTarget): FakeReply {
    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.host === undefined || r.host === target.host) &&
        (typeof r.match === "string" ? command.includes(r.match) : r.match.test(command)),
    );
    if (rule === undefined) return {};
    rule.remaining -= 1;
    return typeof rule.reply === "function" ? rule.reply(command, target) : rule.reply;
  }
}
