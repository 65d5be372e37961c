/**
 * join: make the machine a node of this cluster. A machine already joined
 * here with the right providerID passes every step as already done; one
 * joined elsewhere fails the first step with a precondition error. The
 * token reaches the host only inside the uploaded JoinConfiguration.
 */
import {
  CONFIG_DIR_SCRIPT,
  KUBEADM_JOIN_SCRIPT,
  KUBELET_ACTIVE_SCRIPT,
  MARKER_CHECK_SCRIPT,
} from "../scripts/join.ts";
import type { Pipeline, Step, StepContext } from "../types.ts";
import { hookStep } from "./hooks.ts";
import { JOIN_SECRETS, parseJoinInput } from "./inputs.ts";
import { configVersionFor, joinConfiguration } from "./join-config.ts";
import { judgeMembership, type Membership, readKubeletState } from "./membership.ts";
import { CHECK_TIMEOUT_MS, first, keyValues, runCommand, runScript } from "./run.ts";

/** The agent's own directory on a node: join config while joining, markers. Reset removes it. */
export const KSP_STATE_DIR = "/etc/kubernetes/ksp";
export const JOIN_CONFIG_PATH = `${KSP_STATE_DIR}/join-config.yaml`;
export const POST_JOIN_MARKER = `${KSP_STATE_DIR}/post-join.done`;

const QUERY_TIMEOUT_MS = CHECK_TIMEOUT_MS;
export const KUBEADM_JOIN_TIMEOUT_MS = 5 * 60_000;
const KUBELET_WAIT_SECONDS = 120;

async function membership(ctx: StepContext): Promise<Membership> {
  // judged earlier in this run (preflight or check-membership, same session): nothing has joined since
  const known = ctx.values.membership as Membership | undefined;
  if (known !== undefined) return known;
  const input = parseJoinInput(ctx.values);
  const state = await readKubeletState(ctx, QUERY_TIMEOUT_MS);
  return judgeMembership(state, {
    endpoint: input.endpoint,
    caCertHash: input.caCertHash,
    providerId: input.providerId,
  });
}

const checkMembership: Step = {
  name: "join.check-membership",
  tags: ["join", "preflight"],
  timeoutMs: QUERY_TIMEOUT_MS,
  retry: { attempts: 2, backoffMs: 500 },
  secrets: JOIN_SECRETS,
  async apply(ctx) {
    const result = await membership(ctx);
    ctx.log("stdout", result === "joined-here" ? "already joined to this cluster\n" : "not joined yet\n");
    return { exitCode: 0, facts: { membership: result } };
  },
};

const kubeadmJoin: Step = {
  name: "join.kubeadm-join",
  tags: ["join"],
  // check, kubeadm version, config directory and upload, then the join itself
  timeoutMs: KUBEADM_JOIN_TIMEOUT_MS + 4 * QUERY_TIMEOUT_MS,
  secrets: JOIN_SECRETS,
  check: async (ctx) => (await membership(ctx)) === "joined-here",
  async apply(ctx) {
    const input = parseJoinInput(ctx.values);
    const version = await runCommand(ctx, "kubeadm version -o short", "kubeadm version", QUERY_TIMEOUT_MS);
    // the pool may pin the config API (e.g. a patched kubeadm that reports an odd version)
    const config = joinConfiguration(input, input.configVersion ?? configVersionFor(version.stdout.trim()));
    await runScript(ctx, CONFIG_DIR_SCRIPT, { KSP_DIR: KSP_STATE_DIR }, QUERY_TIMEOUT_MS);
    await ctx.session.upload(JOIN_CONFIG_PATH, config, {
      mode: 0o600,
      owner: "root",
      group: "root",
      sudo: true,
      timeoutMs: QUERY_TIMEOUT_MS,
    });
    const { exitCode } = await runScript(
      ctx,
      KUBEADM_JOIN_SCRIPT,
      { KSP_CONFIG_PATH: JOIN_CONFIG_PATH },
      KUBEADM_JOIN_TIMEOUT_MS,
      { what: "kubeadm join" },
    );
    return { exitCode };
  },
};

const kubeletActive: Step = {
  name: "join.kubelet-active",
  tags: ["join"],
  timeoutMs: (KUBELET_WAIT_SECONDS + 20) * 1000 + QUERY_TIMEOUT_MS,
  secrets: JOIN_SECRETS,
  async check(ctx) {
    const { stdout } = await runCommand(
      ctx,
      "systemctl is-active kubelet || true",
      "systemctl is-active kubelet",
      QUERY_TIMEOUT_MS,
      { sudo: false },
    );
    return stdout.trim() === "active";
  },
  async apply(ctx) {
    const params = { KSP_TIMEOUT_SECONDS: String(KUBELET_WAIT_SECONDS) };
    const { exitCode } = await runScript(
      ctx,
      KUBELET_ACTIVE_SCRIPT,
      params,
      (KUBELET_WAIT_SECONDS + 20) * 1000,
    );
    return { exitCode };
  },
};

const preJoinHook = hookStep({
  name: "join.pre-join-hook",
  hook: "preJoin",
  tags: ["join"],
  secrets: JOIN_SECRETS,
  read: parseJoinInput,
  // A machine already joined here needs no join, so no pre-join hook either.
  alreadyDone: async (ctx) => (await membership(ctx)) === "joined-here",
});

const postJoinHook = hookStep({
  name: "join.post-join-hook",
  hook: "postJoin",
  tags: ["join"],
  secrets: JOIN_SECRETS,
  read: parseJoinInput,
  // The marker (written after the hook succeeded) holds the providerID it ran for; reset removes it.
  async alreadyDone(ctx) {
    const { providerId } = parseJoinInput(ctx.values);
    const params = { KSP_PATH: POST_JOIN_MARKER, KSP_CONTENT: providerId };
    const { stdout } = await runScript(ctx, MARKER_CHECK_SCRIPT, params, QUERY_TIMEOUT_MS);
    return first(keyValues(stdout), "state") === "done";
  },
  marker: (env) => ({ path: POST_JOIN_MARKER, content: env.providerId }),
});

export function joinPipeline(): Pipeline {
  return {
    name: "join",
    tasks: [
      { name: "check", steps: [checkMembership] },
      { name: "pre-join-hook", steps: [preJoinHook] },
      { name: "kubeadm-join", steps: [kubeadmJoin, kubeletActive] },
      { name: "post-join-hook", steps: [postJoinHook] },
    ],
  };
}
