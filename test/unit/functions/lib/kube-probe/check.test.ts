/**
 * How the runtime-neutral check classifies what an API server answers
 * (scripted answers; the real servers are in the integration tests): 401/403
 * unauthorized, everything else that is not a Kubernetes answer unreachable,
 * error texts short and free of the credential.
 */
import { describe, expect, it } from "vitest";
import { runCheck, scrub, secretsOf } from "../../../../../functions/lib/kube-probe/check.ts";
import { type ProbeGet, ProbeTransportError } from "../../../../../functions/lib/kube-probe/types.ts";

const VERSION = JSON.stringify({ gitVersion: "v1.30.4" });
const TOKEN = "eyJ-very-secret-token";

function scripted(answers: Record<string, { status: number; body: string } | Error>): ProbeGet {
  return async (path) => {
    const answer = answers[path.split("?")[0]!];
    if (!answer) throw new Error(`unexpected ${path}`);
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

const check = (get: ProbeGet) => runCheck(get, { timeoutMs: 1_000 }, [TOKEN]);

describe("runCheck", () => {
  it.each([
    [401, "unauthorized", "GET /api/v1/nodes answered HTTP 401: the credentials were refused"],
    [
      403,
      "unauthorized",
      "GET /api/v1/nodes answered HTTP 403: the kubeconfig's user is not allowed to read it (RBAC)",
    ],
    [503, "unreachable", "GET /api/v1/nodes answered HTTP 503"],
    [
      302,
      "unreachable",
      "GET /api/v1/nodes answered HTTP 302 (a redirect): the server URL is not the API server",
    ],
    [404, "unreachable", "GET /api/v1/nodes answered HTTP 404: is the server URL a Kubernetes API server?"],
  ])("HTTP %d from the Node list → %s", async (status, kind, error) => {
    const result = await check(
      scripted({ "/version": { status: 200, body: VERSION }, "/api/v1/nodes": { status, body: TOKEN } }),
    );
    expect(result).toEqual({
      reachable: false,
      kind,
      error,
      gitVersion: "v1.30.4",
      latencyMs: expect.any(Number),
    });
  });

  it("an answer that is not the Kubernetes API is unreachable", async () => {
    expect(await check(scripted({ "/version": { status: 200, body: "<html>login</html>" } }))).toMatchObject({
      kind: "unreachable",
      error: "GET /version did not answer JSON: is the server URL a Kubernetes API server?",
    });
    expect(await check(scripted({ "/version": { status: 200, body: "{}" } }))).toMatchObject({
      kind: "unreachable",
      error: "GET /version has no gitVersion: is this a Kubernetes API server?",
    });
    const notAList = scripted({
      "/version": { status: 200, body: VERSION },
      "/api/v1/nodes": { status: 200, body: '{"kind":"Status"}' },
    });
    expect(await check(notAList)).toMatchObject({ error: "GET /api/v1/nodes did not answer a NodeList" });
  });

  it("a transport failure is unreachable, with the credential scrubbed should it ever appear", async () => {
    const result = await check(
      scripted({ "/version": new ProbeTransportError(`could not reach x: header ${TOKEN} refused`) }),
    );
    expect(result).toEqual({
      reachable: false,
      kind: "unreachable",
      error: "could not reach x: header [redacted] refused",
    });
  });

  it("counts zero Nodes as reachable with none (the job calls that degraded)", async () => {
    const result = await check(
      scripted({
        "/version": { status: 200, body: VERSION },
        "/api/v1/nodes": { status: 200, body: '{"kind":"NodeList","items":[],"metadata":{}}' },
      }),
    );
    expect(result).toMatchObject({ reachable: true, nodes: { total: 0, ready: 0 } });
  });

  it("knows each credential kind's secrets and keeps error texts short", () => {
    expect(secretsOf({ kind: "basic", username: "admin", password: "pw-1234" })).toEqual([
      "pw-1234",
      "admin",
    ]);
    expect(secretsOf({ kind: "client-certificate", certificatePem: "C", keyPem: "K-PEM" })).toEqual([
      "K-PEM",
    ]);
    expect(scrub("x".repeat(1000), [])).toHaveLength(300);
  });
});
