/**
 * What the agent keeps beyond its process, as the composition root
 * (main.ts) wires it: the credential and the offline transition queue (a
 * Secret in a cluster, else files), and the registration token's source.
 */
import { readFile } from "node:fs/promises";
import { CoreV1Api, type KubeConfig } from "@kubernetes/client-node";
import type { AgentConfig } from "../config.ts";
import { type CredentialStore, createFileCredentialStore } from "../control-plane/credential-store.ts";
import { createSecretCredentialStore } from "../control-plane/secret-credential-store.ts";
import { AgentError } from "../errors.ts";
import type { TransitionQueuePersistence } from "../state/transition-queue.ts";
import {
  createFileQueuePersistence,
  createSecretQueuePersistence,
  queueFileBeside,
} from "../state/transition-queue-store.ts";

/** A Secret when one is named (in a cluster), else the file. */
export function credentialStore(config: AgentConfig, kubeConfig: KubeConfig | null): CredentialStore {
  if (config.credentialSecret === null) return createFileCredentialStore(config.credentialFile);
  if (kubeConfig === null) {
    throw new AgentError(
      "failed_precondition",
      "--credential-secret needs the Kubernetes API: run in a pod or set --kubeconfig",
    );
  }
  const secrets = kubeConfig.makeApiClient(CoreV1Api);
  return createSecretCredentialStore(secrets, {
    namespace: config.lease.namespace,
    name: config.credentialSecret,
  });
}

/** Transition reports queued during a control-plane outage are kept beside the credential. */
export function transitionQueuePersistence(
  config: AgentConfig,
  kubeConfig: KubeConfig | null,
): TransitionQueuePersistence {
  if (config.credentialSecret === null || kubeConfig === null) {
    return createFileQueuePersistence(queueFileBeside(config.credentialFile));
  }
  return createSecretQueuePersistence(kubeConfig.makeApiClient(CoreV1Api), {
    namespace: config.lease.namespace,
    name: config.credentialSecret,
  });
}

export async function registrationToken(config: AgentConfig): Promise<string | null> {
  if (config.registration.token !== null) return config.registration.token;
  if (config.registration.tokenFile === null) return null;
  const text = (await readFile(config.registration.tokenFile, "utf8")).trim();
  return text === "" ? null : text;
}
