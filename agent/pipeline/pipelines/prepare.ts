/**
 * prepare: make a host fit for the kubelet. Only for pools that opt in
 * (values.prepareHosts === true); each step checks first and is safe to
 * repeat: swap off (and out of fstab), kernel modules, sysctls, hostname.
 */
import { PreconditionError } from "../errors.ts";
import {
  HOSTNAME_SCRIPT,
  KERNEL_MODULES_SCRIPT,
  SWAP_OFF_SCRIPT,
  SYSCTL_SCRIPT,
} from "../scripts/prepare.ts";
import type { ScriptTemplate } from "../scripts/render.ts";
import type { Pipeline, Step, StepContext } from "../types.ts";
import { type PrepareInput, parsePrepareInput } from "./inputs.ts";
import { applyScript, CHECK_TIMEOUT_MS, isDone } from "./run.ts";

const PREPARE_TIMEOUT_MS = 60_000;

export const KERNEL_MODULES = ["overlay", "br_netfilter"] as const;
export const MODULES_FILE = "/etc/modules-load.d/kube-static-pool.conf";
export const SYSCTLS: Readonly<Record<string, string>> = {
  "net.bridge.bridge-nf-call-iptables": "1",
  "net.bridge.bridge-nf-call-ip6tables": "1",
  "net.ipv4.ip_forward": "1",
};
export const SYSCTL_FILE = "/etc/sysctl.d/99-kube-static-pool.conf";

const HEADER = "# kube-static-pool: written by the prepare pipeline; edits are overwritten";

function optedIn(ctx: StepContext): PrepareInput {
  if (ctx.values.prepareHosts !== true) {
    throw new PreconditionError("the pool does not opt in to host preparation (prepareHosts is not true)");
  }
  return parsePrepareInput(ctx.values);
}

function prepareStep(
  name: string,
  template: ScriptTemplate,
  params: (input: PrepareInput) => Record<string, string> | null,
): Step {
  return {
    name,
    tags: ["prepare"],
    timeoutMs: PREPARE_TIMEOUT_MS + CHECK_TIMEOUT_MS,
    async check(ctx) {
      const p = params(optedIn(ctx));
      return p === null ? true : isDone(ctx, template, p, CHECK_TIMEOUT_MS);
    },
    async apply(ctx) {
      const p = params(optedIn(ctx));
      return p === null ? { exitCode: 0 } : applyScript(ctx, template, p, PREPARE_TIMEOUT_MS);
    },
  };
}

export function preparePipeline(): Pipeline {
  const modules = {
    KSP_MODULES: KERNEL_MODULES.join(" "),
    KSP_FILE: MODULES_FILE,
    KSP_CONTENT: [HEADER, ...KERNEL_MODULES].join("\n"),
  };
  const settings = Object.entries(SYSCTLS);
  const sysctls = {
    KSP_SETTINGS: settings.map(([k, v]) => `${k}=${v}`).join(" "),
    KSP_FILE: SYSCTL_FILE,
    KSP_CONTENT: [HEADER, ...settings.map(([k, v]) => `${k} = ${v}`)].join("\n"),
  };
  return {
    name: "prepare",
    tasks: [
      {
        name: "prepare",
        steps: [
          prepareStep("prepare.swap-off", SWAP_OFF_SCRIPT, () => ({})),
          prepareStep("prepare.kernel-modules", KERNEL_MODULES_SCRIPT, () => modules),
          prepareStep("prepare.sysctls", SYSCTL_SCRIPT, () => sysctls),
          // No hostname asked for: nothing to do (check says done).
          prepareStep("prepare.hostname", HOSTNAME_SCRIPT, (input) =>
            input.hostname === undefined ? null : { KSP_HOSTNAME: input.hostname },
          ),
        ],
      },
    ],
  };
}
