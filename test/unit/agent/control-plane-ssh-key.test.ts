/**
 * fetchSshKey over HTTP against a scripted fetch: GET with the bearer
 * credential on the machine's path, the answer parsed (an absent or null
 * passphrase is no passphrase), 404 not_found read as "not stored" (null),
 * anything else an error typed as the other calls' are, retried only when
 * worth it, and never with the key in its message.
 */
import { describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import { createHttpControlPlane } from "../../../agent/control-plane/http-control-plane.ts";

const MACHINE = "6f1c2a4e-0000-4000-8000-000000000001";
const CREDENTIAL = "ksp_agent_SECRETSECRETSECRET";
const PRIVATE_KEY =
  "-----BEGIN OPENSSH PRIVATE KEY-----\nSTORED-KEY-BODY\n-----END OPENSSH PRIVATE KEY-----\n";

type Reply = Response | Error;

function client(replies: Reply[]) {
  const seen: { url: string; method: string; headers: Record<string, string> }[] = [];
  const fetch = (async (input: URL | string, init: RequestInit = {}) => {
    seen.push({
      url: String(input),
      method: init.method ?? "GET",
      headers: Object.fromEntries(new Headers(init.headers).entries()),
    });
    const reply = replies.shift() ?? new Error("no scripted reply left");
    if (reply instanceof Error) throw reply;
    return reply;
  }) as typeof globalThis.fetch;
  const cp = createHttpControlPlane({
    baseUrl: "http://cp.test/prefix/",
    credential: () => CREDENTIAL,
    fetch,
    timeoutMs: 1_000,
    backoffBaseMs: 1,
    backoffMaxMs: 2,
  });
  return { cp, seen };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
const envelope = (status: number, code: string) =>
  json(status, { error: { code, message: `${code} happened`, requestId: "req-1" } });
const released = (extra: Record<string, unknown> = {}) => ({
  machineId: MACHINE,
  keyRef: "default",
  fingerprint: "SHA256:abc",
  version: 3,
  privateKey: PRIVATE_KEY,
  ...extra,
});

describe("control plane: fetchSshKey", () => {
  it("GETs the machine's ssh-key with the credential and returns the released key", async () => {
    const { cp, seen } = client([json(200, released({ passphrase: "pw" }))]);
    expect(await cp.fetchSshKey(MACHINE)).toEqual({ ...released(), passphrase: "pw" });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      url: `http://cp.test/prefix/v1/agent/machines/${MACHINE}/ssh-key`,
      method: "GET",
      headers: { authorization: `Bearer ${CREDENTIAL}` },
    });
  });

  it("reads an absent passphrase as none, and a present one as it is", async () => {
    const { cp } = client([json(200, released()), json(200, released({ passphrase: "pw" }))]);
    const first = await cp.fetchSshKey(MACHINE);
    expect(first).toEqual(released());
    expect(first).not.toHaveProperty("passphrase");
    expect((await cp.fetchSshKey(MACHINE))?.passphrase).toBe("pw");
  });

  it("404 not_found is 'not stored' (null), asked once", async () => {
    const { cp, seen } = client([envelope(404, "not_found")]);
    expect(await cp.fetchSshKey(MACHINE)).toBeNull();
    expect(seen).toHaveLength(1);
  });

  it("another 404 (no envelope: not our control plane's answer) is an error, not 'not stored'", async () => {
    const { cp } = client([new Response("nope", { status: 404 })]);
    await expect(cp.fetchSshKey(MACHINE)).rejects.toMatchObject({ kind: "http", status: 404, code: null });
  });

  it("retries what may be retried (5xx, unreachable), then answers", async () => {
    const refused = Object.assign(new TypeError("fetch failed"), { cause: { code: "ECONNREFUSED" } });
    const { cp, seen } = client([envelope(503, "dependency_unavailable"), refused, json(200, released())]);
    expect(await cp.fetchSshKey(MACHINE)).toEqual(released());
    expect(seen).toHaveLength(3);
  });

  it("a refusal (401) is a typed error at once; a body that does not parse is bad_response without the key", async () => {
    const { cp, seen } = client([envelope(401, "unauthorized")]);
    const err = await cp.fetchSshKey(MACHINE).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControlPlaneError);
    expect(err).toMatchObject({ kind: "http", status: 401, code: "unauthorized", retryable: false });
    expect(seen).toHaveLength(1);

    const bad = client([json(200, { ...released(), version: "three" })]);
    const parseErr = await bad.cp.fetchSshKey(MACHINE).catch((e: unknown) => e);
    expect(parseErr).toMatchObject({ code: "bad_response" });
    expect(String((parseErr as Error).message)).not.toContain("STORED-KEY-BODY");
  });
});
