/**
 * One command over one SSH channel: streams output as it arrives, feeds
 * stdin, and enforces the deadline twice. The host-side `timeout -s KILL`
 * (command.ts) kills the process group; our own timer, a little later, kills
 * it from a second channel and stops waiting, in case the host could not do
 * it itself. An abort does the same at once.
 */
import { constants } from "node:os";
import { StringDecoder } from "node:string_decoder";
import type ssh2 from "ssh2";
import { KILLED_EXIT, TIMEOUT_EXIT } from "./command.ts";
import { type ExecResult, SshError } from "./types.ts";

/** How long after the host's own deadline we stop waiting for it. */
const CHANNEL_GRACE_MS = 3_000;
/** Captured output per stream is capped; the tail is kept (it holds the error). */
const MAX_CAPTURE = 1024 * 1024;

export interface ChannelExec {
  timeoutMs: number;
  stdin?: string | Uint8Array;
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
  signal?: AbortSignal;
  /** ms since some fixed point, for durations */
  now: () => number;
  /** whether the connection under the channel is still up (decides lost link vs killed command) */
  connectionAlive: () => boolean;
  /** kills the command on the host from another channel; must not reject */
  killRemote: () => Promise<void>;
  where: string;
}

function capture(onChunk?: (chunk: string) => void) {
  const decoder = new StringDecoder("utf8");
  let text = "";
  const add = (chunk: string) => {
    if (!chunk) return;
    text += chunk;
    if (text.length > MAX_CAPTURE) text = text.slice(-MAX_CAPTURE);
    onChunk?.(chunk);
  };
  return {
    write: (data: Buffer) => add(decoder.write(data)),
    end: () => {
      add(decoder.end());
      return text;
    },
  };
}

/** A signal death reported the way a shell would: 128 + signal number. */
function exitStatus(code: unknown, signal: unknown): number | null {
  if (typeof code === "number") return code;
  const number = typeof signal === "string" ? constants.signals[signal as NodeJS.Signals] : undefined;
  return number === undefined ? null : 128 + number;
}

const aborted = (where: string) =>
  new SshError("timeout", `aborted while running a command on ${where}`, { retryable: false });

/** Runs an already wrapped command line; resolves for any exit status, rejects when the link fails. */
export function execOnChannel(
  client: ssh2.Client,
  commandLine: string,
  opts: ChannelExec,
): Promise<ExecResult> {
  const started = opts.now();
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(aborted(opts.where));
    const channelFailed = (err: Error) =>
      reject(
        new SshError("connection", `cannot open a channel on ${opts.where}: ${err.message}`, { cause: err }),
      );
    try {
      client.exec(commandLine, (err, channel) => (err ? channelFailed(err) : run(channel)));
    } catch (err) {
      channelFailed(err as Error); // ssh2 throws at once when the socket is already gone
    }

    function run(channel: ssh2.ClientChannel): void {
      const stdout = capture(opts.onStdout);
      const stderr = capture(opts.onStderr);
      let exitCode: number | null = null;
      let sawExit = false;
      let settled = false;
      /** set once we gave up (deadline or abort): how the run ends, whatever the channel says next */
      let stopping: { timedOut: boolean } | SshError | undefined;

      const finish = (outcome: { timedOut: boolean } | SshError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        if (outcome instanceof SshError) return reject(outcome);
        const durationMs = Math.max(0, opts.now() - started);
        const killed = exitCode === KILLED_EXIT || exitCode === TIMEOUT_EXIT;
        const timedOut = outcome.timedOut || (killed && durationMs >= opts.timeoutMs);
        resolve({ exitCode, timedOut, stdout: stdout.end(), stderr: stderr.end(), durationMs });
      };
      const giveUp = async (outcome: { timedOut: boolean } | SshError) => {
        if (settled || stopping) return;
        stopping = outcome;
        await opts.killRemote();
        channel.close();
        finish(outcome);
      };
      const timer = setTimeout(() => void giveUp({ timedOut: true }), opts.timeoutMs + CHANNEL_GRACE_MS);
      const onAbort = () => void giveUp(aborted(opts.where));
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      if (opts.signal?.aborted) onAbort(); // aborted while the channel was opening

      channel.on("data", (d: Buffer) => stdout.write(d));
      channel.stderr.on("data", (d: Buffer) => stderr.write(d));
      channel.on("exit", (code: unknown, signal: unknown) => {
        sawExit = true;
        exitCode = exitStatus(code, signal);
      });
      channel.on("close", () => {
        if (stopping) finish(stopping);
        else if (!sawExit && !opts.connectionAlive()) {
          finish(new SshError("connection", `connection to ${opts.where} lost while a command ran`));
        } else finish({ timedOut: false });
      });
      channel.end(opts.stdin === undefined ? undefined : Buffer.from(opts.stdin));
    }
  });
}
