/**
 * Getting the agent credential at start-up: the persisted one if there is
 * one, else one registration with the one-time token. While the control
 * plane is unreachable (or failing with 5xx) registration is retried with
 * backoff; an answer that says no (bad token, wrong cluster) is final, since
 * retrying the same token cannot change it.
 */

import type { Logger } from "../shared/logger.ts";
import type { CredentialStore, StoredCredential } from "./control-plane/credential-store.ts";
import { isControlPlaneError } from "./control-plane/errors.ts";
import type { Registration } from "./control-plane/register.ts";
import { AgentError } from "./errors.ts";

export interface CredentialBootstrapDeps {
  store: CredentialStore;
  /** the one-time registration token, or null when none is configured */
  registrationToken: () => Promise<string | null>;
  register: (token: string) => Promise<Registration>;
  logger: Logger;
  signal: AbortSignal;
  backoff?: { baseMs: number; maxMs: number };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export async function obtainCredential(deps: CredentialBootstrapDeps): Promise<StoredCredential> {
  const { logger, signal } = deps;
  const stored = await deps.store.load();
  if (stored) {
    logger.info("using the persisted agent credential", { clusterId: stored.clusterId });
    return stored;
  }
  const token = await deps.registrationToken();
  if (token === null) {
    throw new AgentError(
      "failed_precondition",
      "no persisted credential and no registration token (set KSP_REGISTRATION_TOKEN or --registration-token-file)",
    );
  }
  const { baseMs, maxMs } = deps.backoff ?? { baseMs: 1000, maxMs: 30_000 };
  for (let attempt = 1; ; attempt++) {
    signal.throwIfAborted();
    let registration: Registration;
    try {
      registration = await deps.register(token);
    } catch (err) {
      if (!isControlPlaneError(err) || !err.retryable) throw err;
      const delayMs = Math.min(maxMs, baseMs * 2 ** Math.min(attempt - 1, 16));
      logger.warn("registration failed; retrying", { attempt, delayMs, err });
      await sleep(delayMs, signal);
      continue;
    }
    const credential = { clusterId: registration.clusterId, credential: registration.credential };
    logger.info("registered with the control plane", { clusterId: credential.clusterId });
    try {
      await deps.store.save(credential);
    } catch (err) {
      // Serving now still beats failing; but the token is spent, so a restart will need a new one.
      logger.error("could not persist the agent credential; a restart will need a new registration token", {
        err,
      });
    }
    return credential;
  }
}
