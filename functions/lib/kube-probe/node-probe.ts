/**
 * The probe over node:https / node:http: any kubeconfig the control plane
 * accepts (its own CA, a client certificate, tls-server-name,
 * insecure-skip-tls-verify). Node only: wired from composition/node.ts and
 * never imported by anything the Worker bundle reaches.
 */
import http from "node:http";
import https from "node:https";
import type { ParsedKubeconfig } from "../kubeconfig/types.ts";
import { runCheck, secretsOf } from "./check.ts";
import { authorizationHeader } from "./fetch-probe.ts";
import { type ApiServerProbe, type ProbeGet, type ProbeResponse, ProbeTransportError } from "./types.ts";

/** A NodeList page of 500 Nodes is a few MB; anything far beyond is not an API server's answer. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

function tlsOptions(kubeconfig: ParsedKubeconfig): https.RequestOptions {
  const { auth } = kubeconfig;
  return {
    ...(kubeconfig.certificateAuthorityPem ? { ca: kubeconfig.certificateAuthorityPem } : {}),
    ...(auth.kind === "client-certificate" ? { cert: auth.certificatePem, key: auth.keyPem } : {}),
    ...(kubeconfig.tlsServerName ? { servername: kubeconfig.tlsServerName } : {}),
    rejectUnauthorized: !kubeconfig.insecureSkipTlsVerify,
  };
}

function transportMessage(err: NodeJS.ErrnoException, origin: string): string {
  const code = typeof err.code === "string" ? err.code : "";
  if (code.startsWith("ERR_TLS") || /CERT|SSL|TLS/.test(code)) {
    return `TLS with ${origin} failed: ${err.message}${code ? ` (${code})` : ""}`;
  }
  return `could not reach ${origin}: ${err.message}`;
}

function requestOnce(url: URL, options: https.RequestOptions, signal: AbortSignal): Promise<ProbeResponse> {
  const client = url.protocol === "https:" ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, { ...options, method: "GET", agent: false, signal }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new ProbeTransportError(`the answer exceeded ${MAX_BODY_BYTES} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
      res.on("error", reject);
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (signal.aborted || err instanceof ProbeTransportError) reject(err);
      else reject(new ProbeTransportError(transportMessage(err, url.origin)));
    });
    req.end();
  });
}

export function nodeApiServerProbe(): ApiServerProbe {
  return {
    check(kubeconfig, options) {
      const base = new URL(kubeconfig.server);
      const prefix = base.pathname.replace(/\/+$/, "");
      const authorization = authorizationHeader(kubeconfig);
      const request: https.RequestOptions = {
        ...tlsOptions(kubeconfig),
        headers: { accept: "application/json", ...(authorization ? { authorization } : {}) },
      };
      const get: ProbeGet = (path, signal) =>
        requestOnce(new URL(`${base.origin}${prefix}${path}`), request, signal);
      return runCheck(get, options, secretsOf(kubeconfig.auth));
    },
  };
}
