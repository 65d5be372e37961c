/** One host's pipeline result, read as the lifecycle needs it: done, or what failed and where. */
import type { HostResult } from "../pipeline/types.ts";
import type { WorkOutcome } from "./types.ts";

const MAX_TAIL_CHARS = 3_000;

export function outcomeOf(result: HostResult | undefined): WorkOutcome {
  if (result === undefined) {
    return {
      ok: false,
      failure: {
        step: "pipeline",
        errorClass: "command",
        message: "the pipeline returned no result for the host",
        outputTail: "",
        touchedHost: false,
      },
    };
  }
  if (result.ok) return { ok: true };
  const failed = result.steps.find((s) => s.status === "failed");
  const errorClass = failed?.errorClass ?? "command";
  const ranSomething = result.steps.some((s) => s.status === "ok" || s.status === "already-done");
  // Connection, authentication and host-key failures happen before any command runs on the host.
  const beforeAnyCommand = errorClass === "connection" || errorClass === "auth" || errorClass === "host-key";
  const tail = [failed?.stderrTail, failed?.stdoutTail].filter((t) => t && t.trim() !== "").join("\n");
  return {
    ok: false,
    failure: {
      step: failed?.step ?? result.failedStep ?? "unknown",
      errorClass,
      message: failed?.errorMessage ?? "failed",
      outputTail: tail.length > MAX_TAIL_CHARS ? tail.slice(-MAX_TAIL_CHARS) : tail,
      touchedHost: ranSomething || !beforeAnyCommand,
    },
  };
}
