/**
 * kubeadm bootstrap tokens as Secrets in kube-system (bootstrap-token-secret.ts
 * has their exact shape). The agent makes one per join batch with a short TTL
 * and deletes it when the batch is done; the API server's token cleaner
 * controller removes expired ones too, but only when it runs, so
 * deleteExpired() clears what a crashed agent left behind, and a new leader's
 * deleteOrphaned() the unexpired ones batches of a former leader (or of this
 * pod before a crash) still hold (the description names the identity) — both
 * only Secrets carrying our managed-by label, never a token an operator made.
 *
 * The token secret is never logged and never appears in an error: the API
 * server's message is echoed in KubeError, so it is scrubbed from that too.
 */
import type { CoreV1Api, V1Secret } from "@kubernetes/client-node";
import type { Clock } from "../../shared/clock.ts";
import type { Logger } from "../../shared/logger.ts";
import { MASK } from "../../shared/mask-secrets.ts";
import {
  bootstrapTokenSecret,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  randomTokenString,
  secretDescription,
  secretExpiration,
  TOKEN_ID,
  TOKEN_NAMESPACE,
  TOKEN_SECRET_PREFIX,
  TOKEN_SECRET_TYPE,
  tokenCreator,
  tokenDescription,
  tokenSecretName,
} from "./bootstrap-token-secret.ts";
import { isNotFound, KubeError, kubeError } from "./kube-error.ts";
import type { BootstrapToken, BootstrapTokens } from "./types.ts";

export type TokenSecretsApi = Pick<
  CoreV1Api,
  "createNamespacedSecret" | "deleteNamespacedSecret" | "listNamespacedSecret"
>;

export interface BootstrapTokensOptions {
  clock: Clock;
  /** names the agent in every token's description: "ksp-agent <identity>: <description>" */
  identity: string;
  logger: Logger;
  /** `length` random characters of [a-z0-9]; default node:crypto */
  random?: (length: number) => string;
}

/** A 409 means the 6-character id is taken (about one in two billion); a new id is drawn. */
const CREATE_ATTEMPTS = 5;

export function createBootstrapTokens(
  api: TokenSecretsApi,
  options: BootstrapTokensOptions,
): BootstrapTokens {
  const random = options.random ?? randomTokenString;
  const log = options.logger.child({ component: "bootstrap-tokens" });

  const remove = async (id: string): Promise<void> => {
    try {
      await api.deleteNamespacedSecret({ name: tokenSecretName(id), namespace: TOKEN_NAMESPACE });
    } catch (err) {
      const failure = kubeError(`cannot delete bootstrap token ${id}`, err);
      if (!isNotFound(failure)) throw failure;
    }
  };

  /** The token Secrets carrying our managed-by label, with their ids. */
  const listManaged = async (): Promise<{ id: string; secret: V1Secret }[]> => {
    let secrets: V1Secret[];
    try {
      const list = await api.listNamespacedSecret({
        namespace: TOKEN_NAMESPACE,
        labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`,
        fieldSelector: `type=${TOKEN_SECRET_TYPE}`,
      });
      secrets = list.items;
    } catch (err) {
      throw kubeError("cannot list bootstrap tokens", err);
    }
    return secrets.flatMap((secret) => {
      const name = secret.metadata?.name ?? "";
      const id = name.slice(TOKEN_SECRET_PREFIX.length);
      return name.startsWith(TOKEN_SECRET_PREFIX) && TOKEN_ID.test(id) ? [{ id, secret }] : [];
    });
  };

  return {
    async create({ description, ttlMs }) {
      if (!(ttlMs >= 1000)) throw new KubeError("a bootstrap token needs a TTL of at least one second");
      // kubeadm's expiration has whole seconds; the returned expiry must match what the Secret says.
      const expiresAt = new Date(Math.floor((options.clock.now().getTime() + ttlMs) / 1000) * 1000);
      const fullDescription = tokenDescription(options.identity, description);
      for (let attempt = 1; ; attempt++) {
        const id = random(6);
        const secret = random(16);
        try {
          await api.createNamespacedSecret({
            namespace: TOKEN_NAMESPACE,
            body: bootstrapTokenSecret({ id, secret, expiresAt, description: fullDescription }),
          });
        } catch (err) {
          const failure = scrub(kubeError(`cannot create bootstrap token ${id}`, err), secret);
          if (failure.status === 409 && attempt < CREATE_ATTEMPTS) continue;
          throw failure;
        }
        log.info("bootstrap token created", { id, expiresAt: expiresAt.toISOString() });
        const token: BootstrapToken = { id, secret, token: `${id}.${secret}`, expiresAt };
        return token;
      }
    },

    async delete(id) {
      // Never echo the argument: a caller passing the whole token by mistake would leak it.
      if (!TOKEN_ID.test(id)) throw new KubeError("delete bootstrap token: not a token id (6 of [a-z0-9])");
      await remove(id);
      log.info("bootstrap token deleted", { id });
    },

    async deleteExpired() {
      const now = options.clock.now().getTime();
      let deleted = 0;
      for (const { id, secret } of await listManaged()) {
        const expiresAt = secretExpiration(secret);
        if (expiresAt === null || expiresAt.getTime() > now) continue;
        await remove(id);
        deleted += 1;
      }
      if (deleted > 0) log.info("expired bootstrap tokens deleted", { deleted });
      return deleted;
    },

    async deleteOrphaned(keepIds) {
      let deleted = 0;
      for (const { id, secret } of await listManaged()) {
        const creator = tokenCreator(secretDescription(secret));
        // a description we cannot attribute is left to its expiry: it may be anyone's
        if (creator === null || keepIds.has(id)) continue;
        await remove(id);
        log.info("bootstrap token of an ended join batch deleted", { id, creator });
        deleted += 1;
      }
      return deleted;
    },
  };
}

/** The secret in any form a Status message could echo it: as sent (base64 in `data`) or plain. */
function scrub(err: KubeError, secret: string): KubeError {
  const forms = [secret, Buffer.from(secret).toString("base64")];
  if (!forms.some((form) => err.message.includes(form))) return err;
  const message = forms.reduce((text, form) => text.replaceAll(form, MASK), err.message);
  return new KubeError(message, {
    ...(err.status !== undefined ? { status: err.status } : {}),
    ...(err.reason !== undefined ? { reason: err.reason } : {}),
  });
}
