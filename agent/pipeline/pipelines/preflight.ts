/**
 * preflight: can this machine join? Read-only; each step asks the host one
 * thing and fails with a precondition error that says what is wrong. The
 * facts it learns (hostFacts, kubeletState) flow to later steps.
 */
import { PreconditionError } from "../errors.ts";
import type { FactSection } from "../scripts/facts.ts";
import { COMMANDS_SCRIPT, SWAP_AND_TIME_SCRIPT, TCP_CHECK_SCRIPT } from "../scripts/preflight.ts";
import type { Pipeline, Step, StepContext, StepOutcome } from "../types.ts";
import { readFacts } from "./facts.ts";
import type { HostFacts } from "./facts-parse.ts";
import { judgeMembership, readKubeletState } from "./membership.ts";
import {
  judgeCommands,
  judgeOsArch,
  judgeResources,
  judgeRuntime,
  judgeSwap,
  judgeTimeSync,
} from "./preflight-checks.ts";
import { PREFLIGHT_SECRETS, type PreflightInput, parsePreflightInput } from "./preflight-input.ts";
import { first, keyValues, runCommand, runScript } from "./run.ts";

const TIMEOUT_MS = 30_000;

function preflightStep(
  name: string,
  run: (
    ctx: StepContext,
    input: PreflightInput,
  ) => Promise<{ note: string; facts?: Record<string, unknown> }>,
): Step {
  return {
    name,
    tags: ["preflight"],
    timeoutMs: TIMEOUT_MS,
    retry: { attempts: 2, backoffMs: 500 },
    secrets: PREFLIGHT_SECRETS,
    async apply(ctx): Promise<StepOutcome> {
      const { note, facts } = await run(ctx, parsePreflightInput(ctx.values));
      ctx.log("stdout", `${note}\n`);
      return facts === undefined ? { exitCode: 0 } : { exitCode: 0, facts };
    },
  };
}

/** Every fact section preflight judges: read once by the first step that needs one, reused by the rest. */
const PREFLIGHT_SECTIONS: FactSection[] = ["system", "hardware", "gpus", "runtime"];

function factsStep(name: string, judge: (f: HostFacts, i: PreflightInput) => string) {
  return preflightStep(name, async (ctx, input) => {
    const known = ctx.values.preflightFacts as HostFacts | undefined;
    const facts = known ?? (await readFacts(ctx, PREFLIGHT_SECTIONS, TIMEOUT_MS));
    return { note: judge(facts, input), facts: { preflightFacts: facts } };
  });
}

async function scriptOutput(ctx: StepContext, template: Parameters<typeof runScript>[1], params = {}) {
  return keyValues((await runScript(ctx, template, params, TIMEOUT_MS)).stdout);
}

/** The swap and time probe, run once for both steps that judge it (each round trip costs a command on the host). */
function swapAndTimeStep(name: string, judge: (kv: Map<string, string[]>, i: PreflightInput) => string) {
  return preflightStep(name, async (ctx, input) => {
    const known = ctx.values.swapAndTime as Record<string, string[]> | undefined;
    const kv = known ? new Map(Object.entries(known)) : await scriptOutput(ctx, SWAP_AND_TIME_SCRIPT);
    return { note: judge(kv, input), facts: { swapAndTime: Object.fromEntries(kv) } };
  });
}

const connectivity = preflightStep("preflight.connectivity", async (ctx) => {
  const { stdout } = await runCommand(ctx, "echo ksp-preflight", "echo", TIMEOUT_MS, { sudo: false });
  if (stdout.trim() !== "ksp-preflight") throw new PreconditionError("the host's shell did not echo back");
  // sudo -n must work too: everything after this runs privileged.
  await runCommand(ctx, "true", "sudo -n true", TIMEOUT_MS);
  return { note: "ssh and sudo work" };
});

const apiReachable = preflightStep("preflight.api-reachable", async (ctx, input) => {
  const kv = await scriptOutput(ctx, TCP_CHECK_SCRIPT, {
    KSP_HOST: input.endpoint.host,
    KSP_PORT: String(input.endpoint.port),
    KSP_TIMEOUT_SECONDS: String(input.tcpTimeoutSeconds),
  });
  const reachable = first(kv, "reachable");
  if (reachable === "unknown")
    throw new PreconditionError("cannot test TCP reachability: neither bash nor nc on the host");
  if (reachable !== "yes") {
    throw new PreconditionError(
      `API server ${input.endpoint.text} is not reachable over TCP from the host (within ${input.tcpTimeoutSeconds} s)`,
    );
  }
  return { note: `API server ${input.endpoint.text} reachable` };
});

const kubeletState = preflightStep("preflight.kubelet-state", async (ctx, input) => {
  const state = await readKubeletState(ctx, TIMEOUT_MS);
  const expected = { endpoint: input.endpoint, caCertHash: input.caCertHash, providerId: input.providerId };
  const membership = judgeMembership(state, expected);
  const note =
    membership === "joined-here"
      ? `already joined to this cluster (providerID ${state.providerId ?? "none"})`
      : state.leftovers.length > 0
        ? `not joined; leftovers of an earlier join (${state.leftovers.join(", ")}) are reset before joining`
        : "not joined to any cluster";
  return { note, facts: { kubeletState: state, membership } };
});

export function preflightPipeline(): Pipeline {
  return {
    name: "preflight",
    tasks: [
      { name: "connectivity", steps: [connectivity] },
      {
        name: "host",
        steps: [
          factsStep("preflight.os-arch", (f, i) => judgeOsArch(f, i.architectures)),
          factsStep("preflight.resources", (f, i) => judgeResources(f, i.requirements)),
          preflightStep("preflight.required-commands", async (ctx, input) => ({
            note: judgeCommands(
              await scriptOutput(ctx, COMMANDS_SCRIPT, { KSP_COMMANDS: input.commands.join(" ") }),
            ),
          })),
          factsStep("preflight.container-runtime", (f) => judgeRuntime(f)),
          swapAndTimeStep("preflight.swap", (kv, i) => judgeSwap(kv, i.prepareHosts)),
          swapAndTimeStep("preflight.time-sync", (kv) => judgeTimeSync(kv)),
        ],
      },
      { name: "cluster", steps: [apiReachable, kubeletState] },
    ],
  };
}
