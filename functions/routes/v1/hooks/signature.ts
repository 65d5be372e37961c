/**
 * Inbound hooks authenticate by signature, not by bearer: the caller (an
 * external system, usually through QStash) signs the exact body and URL with
 * a shared key (`Upstash-Signature`, the format QStash delivers with). This
 * middleware runs before the route's validators, so nothing is parsed or
 * acted on until the raw body is proven to come from a key holder. The keys
 * are the install's (QSTASH_CURRENT/NEXT_SIGNING_KEY, or the embedded
 * install's generated one): the same the outbound sender signs with.
 * A failure counts against the address like a bad bearer token.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../../http/hono-env.ts";
import { AppError } from "../../../lib/errors.ts";
import { qstashSignatureVerifier } from "../../../lib/webhooks/qstash.ts";
import { countAuthFailure } from "../../../middleware/rate-limit.ts";

export const SIGNATURE_HEADER = "Upstash-Signature";

export function requireSignature(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const keys = c.get("scope").deps.webhooks.signingKeys;
    const signature = c.req.header(SIGNATURE_HEADER);
    let problem: string | undefined;
    if (!keys)
      problem = "this control plane has no signing key to verify hooks with (QSTASH_CURRENT_SIGNING_KEY)";
    else if (!signature) problem = `the ${SIGNATURE_HEADER} header is required`;
    else {
      // the bytes as sent: Hono keeps them, so the validator reads the same body afterwards
      const body = await c.req.text();
      const valid = await qstashSignatureVerifier(keys)({ signature, body, url: c.req.url });
      if (!valid)
        problem = `the ${SIGNATURE_HEADER} does not match this request's body and URL, or has expired`;
    }
    if (problem) {
      await countAuthFailure(c);
      throw new AppError("unauthorized", problem);
    }
    await next();
  };
}
