/**
 * One attempt of a step under its timeout and the run's cancellation. On
 * timeout the attempt's signal is aborted (the SSH layer kills the remote
 * process) and the outcome is `timeout` at once, even if the step ignores its
 * signal: a stuck step must not hold its host's slot forever.
 */
import { SshError } from "../ssh/types.ts";

export type DeadlineOutcome<T> =
  | { kind: "done"; value: T }
  | { kind: "error"; error: unknown }
  | { kind: "timeout" }
  | { kind: "cancelled" };

export function withDeadline<T>(
  timeoutMs: number,
  runSignal: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<DeadlineOutcome<T>> {
  if (runSignal?.aborted) return Promise.resolve({ kind: "cancelled" });
  const controller = new AbortController();
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: DeadlineOutcome<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      runSignal?.removeEventListener("abort", onRunAbort);
      resolve(outcome);
    };
    const timer = setTimeout(() => {
      finish({ kind: "timeout" });
      controller.abort(new SshError("timeout", `timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onRunAbort = () => {
      finish({ kind: "cancelled" });
      controller.abort(runSignal?.reason);
    };
    runSignal?.addEventListener("abort", onRunAbort, { once: true });
    Promise.resolve()
      .then(() => work(controller.signal))
      .then(
        (value) => finish({ kind: "done", value }),
        (error: unknown) => finish({ kind: "error", error }),
      );
  });
}
