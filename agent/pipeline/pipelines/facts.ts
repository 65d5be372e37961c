/**
 * facts: what a machine is (for machine import and discovery). One step, one
 * script; the typed HostFacts lands in `values.hostFacts` for later steps.
 */
import { FACTS_SCRIPT, type FactSection } from "../scripts/facts.ts";
import type { Pipeline, Step, StepContext } from "../types.ts";
import { type HostFacts, parseFacts } from "./facts-parse.ts";
import { runScript } from "./run.ts";

export const FACTS_TIMEOUT_MS = 30_000;

/** Runs the facts script for `sections` on the step's host. */
export async function readFacts(
  ctx: StepContext,
  sections: readonly FactSection[],
  timeoutMs = FACTS_TIMEOUT_MS,
): Promise<HostFacts> {
  const { stdout } = await runScript(ctx, FACTS_SCRIPT, { KSP_SECTIONS: sections.join(" ") }, timeoutMs);
  return parseFacts(stdout);
}

export const collectFactsStep: Step = {
  name: "facts.collect",
  tags: ["facts"],
  timeoutMs: FACTS_TIMEOUT_MS,
  retry: { attempts: 2, backoffMs: 500 },
  async apply(ctx) {
    const hostFacts = await readFacts(ctx, ["system", "hardware", "gpus", "runtime", "versions"]);
    return { exitCode: 0, facts: { hostFacts } };
  },
};

export function factsPipeline(): Pipeline {
  return { name: "facts", tasks: [{ name: "facts", steps: [collectFactsStep] }] };
}

/** The facts a facts step left in `values`, if any. */
export function hostFactsIn(values: Readonly<Record<string, unknown>>): HostFacts | undefined {
  return values.hostFacts as HostFacts | undefined;
}
