/**
 * Pool hook steps. A hook is operator-written shell; it runs with the
 * machine's facts as KSP_* environment variables (see scripts/hook.ts), never
 * with secrets. No hook configured: the step's check says done.
 */
import { HOOK_SCRIPT } from "../scripts/hook.ts";
import type { Step, StepContext } from "../types.ts";
import type { HookEnv, HookName, Hooks } from "./inputs.ts";
import { CHECK_TIMEOUT_MS, runScript } from "./run.ts";

export const HOOK_TIMEOUT_MS = 10 * 60_000;

const HOOK_LABEL: Record<HookName, string> = {
  preJoin: "pre-join",
  postJoin: "post-join",
  preReset: "pre-reset",
  postReset: "post-reset",
};

export interface HookStepOptions {
  name: string;
  hook: HookName;
  tags: readonly string[];
  secrets?: readonly string[];
  timeoutMs?: number;
  /** reads (and validates) the hooks and their environment from the step's values */
  read(values: Readonly<Record<string, unknown>>): { hooks: Hooks; hookEnv: HookEnv };
  /** true: nothing to do even though a hook is configured (e.g. already joined) */
  alreadyDone?(ctx: StepContext): Promise<boolean>;
  /** a file written after the hook succeeded, and what it must hold */
  marker?(env: HookEnv): { path: string; content: string };
}

export function hookStep(options: HookStepOptions): Step {
  const timeoutMs = options.timeoutMs ?? HOOK_TIMEOUT_MS;
  const label = HOOK_LABEL[options.hook];
  return {
    name: options.name,
    tags: [...options.tags, "hooks"],
    timeoutMs: timeoutMs + CHECK_TIMEOUT_MS,
    ...(options.secrets ? { secrets: options.secrets } : {}),
    async check(ctx) {
      const { hooks } = options.read(ctx.values);
      if (hooks[options.hook] === null) {
        ctx.log("stdout", `no ${label} hook configured\n`);
        return true;
      }
      return options.alreadyDone ? options.alreadyDone(ctx) : false;
    },
    async apply(ctx) {
      const { hooks, hookEnv } = options.read(ctx.values);
      const script = hooks[options.hook];
      if (script === null) return { exitCode: 0 };
      const marker = options.marker?.(hookEnv);
      const { exitCode } = await runScript(
        ctx,
        HOOK_SCRIPT,
        {
          KSP_HOOK_NAME: label,
          KSP_NODE_NAME: hookEnv.nodeName,
          KSP_PROVIDER_ID: hookEnv.providerId,
          KSP_API_ENDPOINT: hookEnv.apiEndpoint,
          KSP_POOL: hookEnv.pool,
          KSP_MACHINE_ID: hookEnv.machineId,
          KSP_MARKER: marker?.path ?? "",
          KSP_MARKER_CONTENT: marker?.content ?? "",
        },
        timeoutMs,
        // On stdin, not in the script: hooks may hold operator secrets (ps shows argv) and be long.
        { what: `${label} hook`, stdin: script },
      );
      return { exitCode };
    },
  };
}
