/**
 * reset: undo a join so the machine can go back to the pool. Every step
 * checks first, so a second run (or a run on a clean machine) succeeds with
 * everything already done. Hooks run on every reset: cleanup hooks are
 * expected to be idempotent, like the rest of the pipeline.
 */

import type { ScriptTemplate } from "../scripts/render.ts";
import {
  CNI_CLEANUP_SCRIPT,
  IPTABLES_CLEANUP_SCRIPT,
  KUBEADM_RESET_SCRIPT,
  KUBELET_STATE_CLEANUP_SCRIPT,
} from "../scripts/reset.ts";
import type { Pipeline, Step } from "../types.ts";
import { hookStep } from "./hooks.ts";
import { parseResetInput } from "./inputs.ts";
import { KSP_STATE_DIR } from "./join.ts";
import { applyScript, CHECK_TIMEOUT_MS, isDone } from "./run.ts";

const RESET_TIMEOUT_MS = 5 * 60_000;
const CLEANUP_TIMEOUT_MS = 2 * 60_000;

function cleanupStep(
  name: string,
  template: ScriptTemplate,
  timeoutMs: number,
  params: Record<string, string> = {},
): Step {
  return {
    name,
    tags: ["reset"],
    timeoutMs: timeoutMs + CHECK_TIMEOUT_MS,
    check: (ctx) => {
      parseResetInput(ctx.values);
      return isDone(ctx, template, params, CHECK_TIMEOUT_MS);
    },
    apply: (ctx) => applyScript(ctx, template, params, timeoutMs),
  };
}

export function resetPipeline(): Pipeline {
  return {
    name: "reset",
    tasks: [
      {
        name: "pre-reset-hook",
        steps: [
          hookStep({
            name: "reset.pre-reset-hook",
            hook: "preReset",
            tags: ["reset"],
            read: parseResetInput,
          }),
        ],
      },
      {
        name: "reset",
        steps: [
          cleanupStep("reset.kubeadm-reset", KUBEADM_RESET_SCRIPT, RESET_TIMEOUT_MS),
          cleanupStep("reset.cni", CNI_CLEANUP_SCRIPT, CLEANUP_TIMEOUT_MS),
          cleanupStep("reset.iptables", IPTABLES_CLEANUP_SCRIPT, CLEANUP_TIMEOUT_MS),
          cleanupStep("reset.kubelet-state", KUBELET_STATE_CLEANUP_SCRIPT, CLEANUP_TIMEOUT_MS, {
            KSP_STATE_DIR,
          }),
        ],
      },
      {
        name: "post-reset-hook",
        steps: [
          hookStep({
            name: "reset.post-reset-hook",
            hook: "postReset",
            tags: ["reset"],
            read: parseResetInput,
          }),
        ],
      },
    ],
  };
}
