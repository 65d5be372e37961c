/** probe: the health loop's cheap check, the connection answers and the kubelet runs. */
import { CommandError } from "../errors.ts";
import type { Pipeline, Step } from "../types.ts";
import { runCommand } from "./run.ts";

const PROBE_TIMEOUT_MS = 10_000;

/** The shell answers over SSH; alone, it is how a host key is learned before anything else runs. */
export const sshEcho: Step = {
  name: "probe.ssh-echo",
  tags: ["probe"],
  timeoutMs: PROBE_TIMEOUT_MS,
  async apply(ctx) {
    const { stdout } = await runCommand(ctx, "echo ksp-probe", "echo", PROBE_TIMEOUT_MS, { sudo: false });
    if (stdout.trim() !== "ksp-probe")
      throw new CommandError(`echo answered ${JSON.stringify(stdout.slice(0, 80))}`, 0);
    return { exitCode: 0 };
  },
};

const kubeletActive: Step = {
  name: "probe.kubelet-active",
  tags: ["probe"],
  timeoutMs: PROBE_TIMEOUT_MS,
  async apply(ctx) {
    // `|| true`: an inactive kubelet is an answer, reported below, not a failed command.
    const { stdout } = await runCommand(
      ctx,
      "systemctl is-active kubelet || true",
      "systemctl",
      PROBE_TIMEOUT_MS,
      {
        sudo: false,
      },
    );
    const state = stdout.trim() || "unknown";
    if (state !== "active") throw new CommandError(`kubelet is not active (${state})`, 3);
    return { exitCode: 0, facts: { kubeletActive: true } };
  },
};

export function probePipeline(): Pipeline {
  return { name: "probe", tasks: [{ name: "probe", steps: [sshEcho, kubeletActive] }] };
}
