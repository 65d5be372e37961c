/**
 * A MachineWork for reconciler tests: hosts as state (joined to which
 * provider ID, or clean), the kubelet's registration as a Node in FakeKube
 * when a join succeeds, scripted failures and delays, and a record of every
 * call. It keeps the real pipelines' contract: a join on a host joined here
 * with the same provider ID is a no-op, a reset on a clean host too, an
 * aborted run reports a failure, the token and spec are checked like the
 * pipelines' inputs would be. Health probes pass unless a test made the
 * machine's probes fail (`failProbes`); they are recorded in `probes`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type {
  JoinSpec,
  MachineWork,
  ResetSpec,
  WorkFailure,
  WorkOutcome,
} from "../../../agent/execution/types.ts";
import type { AgentMachine } from "../../../proto/agent-api.ts";
import type { FakeKube } from "./fake-kube.ts";

export interface WorkCall {
  kind: "join" | "reset";
  machineId: string;
  /** join only: the bootstrap token it was given */
  token?: string;
  spec: JoinSpec | ResetSpec;
}

type Script = Partial<WorkFailure> | "hang";

export class FakeMachineWork implements MachineWork {
  readonly calls: WorkCall[] = [];
  /** machine id → the provider ID its kubelet runs with; absent: a clean host */
  readonly joined = new Map<string, string>();
  /** how long every run takes */
  delayMs = 0;
  /** the kubelet registers a Node (Ready) when a join succeeds; false plays a kubelet that never comes up */
  registersNodes = true;
  active = 0;
  maxActive = 0;
  /** joins wait until `release` (as a slow host would), so a test can look at machines mid-join */
  holdJoins = false;
  /** machine ids of every health probe, in order */
  readonly probes: string[] = [];
  /** machine id → what each of its probes fails with, until `healProbes` */
  readonly #probeFailures = new Map<string, Partial<WorkFailure>>();
  readonly #next = new Map<string, Script[]>();
  readonly #held = new Map<string, (failure?: Partial<WorkFailure>) => void>();

  constructor(private readonly kube: FakeKube) {}

  /** The next `kind` run on the machine fails like this (or hangs until aborted). */
  failNext(kind: "join" | "reset", machineId: string, script: Script): void {
    const key = `${kind}:${machineId}`;
    this.#next.set(key, [...(this.#next.get(key) ?? []), script]);
  }

  /** Every probe of the machine fails from now on (default: sshd gone, connection refused). */
  failProbes(machineId: string, failure: Partial<WorkFailure> = {}): void {
    this.#probeFailures.set(machineId, {
      step: "probe.ssh-echo",
      errorClass: "connection",
      message: "connect ECONNREFUSED",
      touchedHost: false,
      ...failure,
    });
  }

  /** The machine's probes pass again. */
  healProbes(machineId: string): void {
    this.#probeFailures.delete(machineId);
  }

  async probe(machine: AgentMachine, signal: AbortSignal): Promise<WorkOutcome> {
    this.probes.push(machine.id);
    try {
      if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
    } catch {
      return failure("probe.ssh-echo", "timeout", "the run was aborted");
    }
    const scripted = this.#probeFailures.get(machine.id);
    if (!scripted) return { ok: true };
    return {
      ok: false,
      failure: { ...failure("probe.ssh-echo", "connection", "failed").failure, ...scripted },
    };
  }

  /** Machines whose join is waiting for `release`. */
  held(): string[] {
    return [...this.#held.keys()];
  }

  /** Lets a held join finish: as it would have, or failing like this. */
  release(machineId: string, failure?: Partial<WorkFailure>): void {
    const resume = this.#held.get(machineId);
    if (!resume) throw new Error(`fake work: no join held for ${machineId}`);
    this.#held.delete(machineId);
    resume(failure);
  }

  join(spec: JoinSpec, signal: AbortSignal): Promise<WorkOutcome> {
    if (!/^[a-z0-9]{6}\.[a-z0-9]{16}$/.test(spec.token)) throw new Error("fake work: malformed token");
    return this.run("join", spec, signal, spec.token, () => {
      const here = this.joined.get(spec.machine.id);
      if (here !== undefined && here !== spec.providerId) {
        return failure("join.check-membership", "precondition", `joined under ${here}`);
      }
      this.joined.set(spec.machine.id, spec.providerId);
      if (this.registersNodes && !this.kube.node(spec.nodeName)) {
        this.kube.addNode(spec.nodeName, {
          providerId: spec.providerId,
          labels: spec.kubeletLabels,
          taints: spec.taints,
          ready: true,
        });
      }
      return { ok: true };
    });
  }

  reset(spec: ResetSpec, signal: AbortSignal): Promise<WorkOutcome> {
    return this.run("reset", spec, signal, undefined, () => {
      // the kubelet stops: its Node stays until someone deletes it, but nothing re-registers it
      this.joined.delete(spec.machine.id);
      return { ok: true };
    });
  }

  private async run(
    kind: "join" | "reset",
    spec: JoinSpec | ResetSpec,
    signal: AbortSignal,
    token: string | undefined,
    succeed: () => WorkOutcome,
  ): Promise<WorkOutcome> {
    this.calls.push({ kind, machineId: spec.machine.id, spec, ...(token ? { token } : {}) });
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      let script = this.#next.get(`${kind}:${spec.machine.id}`)?.shift();
      try {
        if (script === "hang") await sleep(3_600_000, undefined, { signal });
        else if (this.delayMs > 0) await sleep(this.delayMs, undefined, { signal });
        if (kind === "join" && this.holdJoins) script = (await this.hold(spec.machine.id, signal)) ?? script;
      } catch {
        return failure(`${kind}.step`, "timeout", "the run was aborted");
      }
      if (script && script !== "hang") {
        return { ok: false, failure: { ...failure(`${kind}.step`, "command", "failed").failure, ...script } };
      }
      return succeed();
    } finally {
      this.active--;
    }
  }

  private hold(machineId: string, signal: AbortSignal): Promise<Partial<WorkFailure> | undefined> {
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        this.#held.delete(machineId);
        reject(signal.reason);
      };
      this.#held.set(machineId, (outcome) => {
        signal.removeEventListener("abort", onAbort);
        resolve(outcome);
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }
}

function failure(step: string, errorClass: WorkFailure["errorClass"], message: string) {
  return {
    ok: false as const,
    failure: { step, errorClass, message, outputTail: "", touchedHost: true },
  };
}
