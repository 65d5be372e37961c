/**
 * MachineWork over SSH: the built-in pipelines (agent/pipeline/) on the
 * machine's address with the key its keyRef names (a mounted file, else the
 * control plane's stored key: agent/ssh/key-store.ts). Every run takes a slot of
 * the agent's global SSH cap. A machine with no pinned host key first has it
 * learned by a bare `echo` and stored through the control plane (which keeps
 * the first key any replica saw); only then does anything else run, against
 * that pinned key. The health probe is that same `echo`, under the same rules.
 */

import type { AgentMachine } from "../../proto/agent-api.ts";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import type { LifecycleMetrics } from "../metrics.ts";
import { runPipeline } from "../pipeline/engine.ts";
import {
  joinPipeline,
  preflightPipeline,
  preparePipeline,
  resetPipeline,
} from "../pipeline/pipelines/index.ts";
import { sshEcho } from "../pipeline/pipelines/probe.ts";
import type { Pipeline, StepResult } from "../pipeline/types.ts";
import type { SshKeyStore } from "../ssh/key-store.ts";
import { type SshConnector, SshError, type SshTarget } from "../ssh/types.ts";
import type { Limiter } from "./limiter.ts";
import type { HostKeyPins, JoinSpec, MachineWork, ResetSpec, WorkOutcome } from "./types.ts";
import { outcomeOf } from "./work-outcome.ts";

export interface SshMachineWorkDeps {
  connector: SshConnector;
  keys: SshKeyStore;
  hostKeys: HostKeyPins;
  /** the agent's global cap on machines worked on at once */
  limiter: Limiter;
  metrics: Pick<LifecycleMetrics, "sshError">;
  logger: Logger;
  clock: Clock;
}

const HOST_KEY_PIPELINE: Pipeline = {
  name: "host-key",
  tasks: [{ name: "connect", steps: [sshEcho] }],
};

/** The health check: the same bare echo, run against the pinned host key. */
const HEALTH_PROBE_PIPELINE: Pipeline = {
  name: "health-probe",
  tasks: [{ name: "probe", steps: [sshEcho] }],
};

function joinAll(prepareHosts: boolean): Pipeline {
  const tasks = [
    ...preflightPipeline().tasks,
    ...(prepareHosts ? preparePipeline().tasks : []),
    ...joinPipeline().tasks,
  ];
  return { name: "join", tasks };
}

const failure = (step: string, err: unknown, touchedHost: boolean, transient = false): WorkOutcome => ({
  ok: false,
  failure: {
    step,
    errorClass: err instanceof SshError ? err.errorClass : "precondition",
    message: err instanceof Error ? err.message : String(err),
    outputTail: "",
    touchedHost,
    ...(transient ? { transient: true as const } : {}),
  },
});

export function createSshMachineWork(deps: SshMachineWorkDeps): MachineWork {
  const logger = deps.logger.child({ component: "machine-work" });
  const onResult = (result: StepResult) => {
    if (result.status === "failed") deps.metrics.sshError(result.errorClass ?? "command");
  };

  async function run(
    machine: AgentMachine,
    pipeline: Pipeline,
    values: Record<string, unknown>,
    signal: AbortSignal,
    pinnedFingerprint: string | null,
    key: { key: string; passphrase?: string },
    onPinned?: (hostId: string, fingerprint: string) => void,
  ): Promise<WorkOutcome> {
    const target: SshTarget = {
      host: machine.ip,
      port: machine.ssh.port,
      username: machine.ssh.user,
      ...key,
      pinnedFingerprint,
    };
    const [result] = await runPipeline({
      pipeline,
      hosts: [{ host: { id: machine.id, name: machine.hostname }, target, values }],
      connector: deps.connector,
      concurrency: { global: 1, perHost: 1 },
      signal,
      clock: deps.clock,
      logger,
      onResult,
      ...(onPinned ? { onPinned } : {}),
    });
    return outcomeOf(result);
  }

  /** Runs `pipeline` under the global cap, with the machine's key and its pinned host key. */
  async function work(
    machine: AgentMachine,
    pipeline: Pipeline,
    values: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<WorkOutcome> {
    let release: () => void;
    try {
      release = await deps.limiter.acquire(signal);
    } catch (err) {
      return failure("ssh.queue", err ?? new Error("aborted while waiting for an SSH slot"), false, true);
    }
    try {
      let key: { key: string; passphrase?: string };
      try {
        key = await deps.keys.load(machine);
      } catch (err) {
        // retryable: the control plane holding a stored key could not be reached; not the machine's fault
        return failure("ssh.key", err, false, err instanceof SshError && err.retryable);
      }
      let pinned = machine.hostKeyFingerprint;
      if (pinned === null) {
        let learned: string | null = null;
        const probe = await run(machine, HOST_KEY_PIPELINE, {}, signal, null, key, (_id, fp) => {
          learned = fp;
        });
        if (!probe.ok) return probe;
        if (learned === null) {
          return failure("host-key.learn", new SshError("host-key", "no host key was learned"), true);
        }
        try {
          pinned = await deps.hostKeys.pin(machine.id, learned);
        } catch (err) {
          return failure("host-key.pin", err, true, true);
        }
        logger.info("host key pinned", {
          machineId: machine.id,
          host: machine.hostname,
          fingerprint: pinned,
        });
      }
      return await run(machine, pipeline, values, signal, pinned, key);
    } finally {
      release();
    }
  }

  return {
    join(spec: JoinSpec, signal) {
      const values: Record<string, unknown> = {
        ...machineValues(spec),
        apiEndpoint: spec.cluster.apiEndpoint,
        caCertHash: spec.cluster.caCertHash,
        token: spec.token,
        labels: spec.kubeletLabels,
        taints: spec.taints,
        requirements: spec.requirements,
        prepareHosts: spec.prepareHosts,
        ...(spec.kubeadmConfigVersion ? { kubeadmConfigVersion: spec.kubeadmConfigVersion } : {}),
      };
      return work(spec.machine, joinAll(spec.prepareHosts), values, signal);
    },
    reset(spec: ResetSpec, signal) {
      return work(spec.machine, resetPipeline(), machineValues(spec), signal);
    },
    probe(machine, signal) {
      return work(machine, HEALTH_PROBE_PIPELINE, {}, signal);
    },
  };
}

/** What every pipeline on a machine reads: who it is, and the pool's hooks with their environment. */
function machineValues(spec: ResetSpec): Record<string, unknown> {
  return {
    machineId: spec.machine.id,
    poolName: spec.poolName,
    nodeName: spec.nodeName,
    providerId: spec.providerId,
    hooks: spec.hooks,
  };
}
