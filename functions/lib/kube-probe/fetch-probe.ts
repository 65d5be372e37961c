/**
 * The probe over plain `fetch`: what a Cloudflare Worker can do. A Worker's
 * fetch trusts only the public CAs and has no way to present a client
 * certificate to an arbitrary host (mTLS needs a certificate uploaded to the
 * account and bound in wrangler.toml, one per binding, not one per cluster),
 * so a kubeconfig that needs either is refused here, by name, without a
 * request. Bearer tokens and basic auth against a publicly trusted (or plain
 * http) endpoint work.
 */
import type { ParsedKubeconfig } from "../kubeconfig/types.ts";
import { runCheck, secretsOf } from "./check.ts";
import { type ApiServerProbe, type ProbeGet, type ProbeResult, ProbeTransportError } from "./types.ts";

export const NEEDS_NODE_CONTROL_PLANE =
  "needs the Node control plane: a Worker's fetch cannot present client certificates / trust a private CA";

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function authorizationHeader(kubeconfig: ParsedKubeconfig): string | undefined {
  const { auth } = kubeconfig;
  if (auth.kind === "token") return `Bearer ${auth.token}`;
  if (auth.kind === "basic") return `Basic ${base64(`${auth.username}:${auth.password}`)}`;
  return undefined;
}

/** Why this kubeconfig cannot be checked with fetch, or undefined when it can. */
export function fetchRefusal(kubeconfig: ParsedKubeconfig): string | undefined {
  const https = kubeconfig.server.startsWith("https:");
  if (kubeconfig.auth.kind === "client-certificate") return `client certificate: ${NEEDS_NODE_CONTROL_PLANE}`;
  if (https && kubeconfig.certificateAuthorityPem) {
    return `certificate-authority-data: ${NEEDS_NODE_CONTROL_PLANE}`;
  }
  if (https && kubeconfig.tlsServerName) return `tls-server-name: ${NEEDS_NODE_CONTROL_PLANE}`;
  return undefined;
}

/** Node's fetch says only "fetch failed" and keeps the reason in `cause`; workerd's message is the reason. */
function transportMessage(err: unknown, origin: string): string {
  if (!(err instanceof Error)) return `could not reach ${origin}`;
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail =
    typeof cause?.message === "string" && cause.message !== ""
      ? cause.message
      : typeof cause?.code === "string"
        ? cause.code
        : "";
  return `could not reach ${origin}: ${detail || err.message}`;
}

export function fetchApiServerProbe(fetchImpl: Fetch = (input, init) => fetch(input, init)): ApiServerProbe {
  return {
    async check(kubeconfig, options): Promise<ProbeResult> {
      const refusal = fetchRefusal(kubeconfig);
      if (refusal) return { reachable: false, kind: "unreachable", error: refusal, final: true };
      const base = new URL(kubeconfig.server);
      const prefix = base.pathname.replace(/\/+$/, "");
      const authorization = authorizationHeader(kubeconfig);
      const get: ProbeGet = async (path, signal) => {
        let res: Response;
        try {
          res = await fetchImpl(`${base.origin}${prefix}${path}`, {
            method: "GET",
            headers: { accept: "application/json", ...(authorization ? { authorization } : {}) },
            // a redirect would carry the credential elsewhere; check.ts reports it instead
            redirect: "manual",
            signal,
          });
        } catch (err) {
          if (signal.aborted) throw err;
          throw new ProbeTransportError(transportMessage(err, base.origin));
        }
        return { status: res.status, body: await res.text() };
      };
      return runCheck(get, options, secretsOf(kubeconfig.auth));
    },
  };
}
