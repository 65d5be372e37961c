import { describe, expect, it } from "vitest";
import { isSecretKey, MASK, maskSecrets } from "../../../shared/mask-secrets.ts";

const TOKEN = "ksp_adm_AbCdEf0123456789";

describe("maskSecrets: keys", () => {
  // Every key form the control plane's copy (functions/lib/logger.ts) or the agent's (agent/log.ts) masked.
  it.each([
    ["token"],
    ["apiToken"],
    ["access_token"],
    ["registrationToken"],
    ["QSTASH_TOKEN"],
    ["secret"],
    ["clientSecret"],
    ["client_secret"],
    ["credentialSecret"],
    ["password"],
    ["dbPassword"],
    ["PASSWORD"],
    ["passphrase"],
    ["keyPassphrase"],
    ["authorization"],
    ["Authorization"],
    ["proxy-authorization"],
    ["cookie"],
    ["Set-Cookie"],
    ["privateKey"],
    ["private_key"],
    ["private-key"],
    ["sshPrivateKey"],
    ["credential"],
    ["credentials"],
    ["agentCredential"],
    ["signingKey"],
    ["signing_key"],
    ["QSTASH_CURRENT_SIGNING_KEY"],
    ["QSTASH_NEXT_SIGNING_KEY"],
    ["encryptionKey"],
    ["KSP_ENCRYPTION_KEYS"],
  ])("masks the value of %s", (key) => {
    expect(isSecretKey(key)).toBe(true);
    expect(maskSecrets({ [key]: "plain-value", other: "plain-value" })).toEqual({
      [key]: MASK,
      other: "plain-value",
    });
  });

  it("masks numbers and booleans under a secret key, keeps null and undefined as they are", () => {
    expect(maskSecrets({ password: 1234, token: true, secret: null, credential: undefined })).toEqual({
      password: MASK,
      token: MASK,
      secret: null,
      credential: undefined,
    });
  });

  // Keys that name where a secret lives (the agent's exemption): operators need to see the location.
  it.each([
    ["tokenFile", "/var/run/ksp/token"],
    ["credentialFile", "/var/run/ksp/credential"],
    ["privateKeyPath", "/etc/ksp/id_ed25519"],
    ["secretPath", "/run/secrets/x"],
    ["passwordFile", "/etc/pw"],
    ["credentialDir", "/var/lib/ksp"],
    ["signingKeyDir", "/etc/keys"],
    ["encryptionKeyFile", "/data/encryption-keys"],
    ["TOKEN_FILE", "/t"],
  ])("does not mask %s, a location", (key, path) => {
    expect(isSecretKey(key)).toBe(false);
    expect(maskSecrets({ [key]: path })).toEqual({ [key]: path });
  });

  it("still masks a token-shaped value under a location key", () => {
    expect(maskSecrets({ tokenFile: TOKEN })).toEqual({ tokenFile: "ksp_adm_****" });
  });

  it("leaves keys that do not look secret alone", () => {
    const record = { name: "demo", hostname: "node-a", keyCount: 3, publicKeyFingerprint: "SHA256:x" };
    expect(maskSecrets(record)).toEqual(record);
  });
});

describe("maskSecrets: values", () => {
  it("keeps only the prefix of our tokens, wherever they appear", () => {
    expect(maskSecrets(`got ${TOKEN} back`)).toBe("got ksp_adm_**** back");
    expect(maskSecrets("ksp_reg_SuperSecretValue123 and ksp_agent_abcdefgh-_12")).toBe(
      "ksp_reg_**** and ksp_agent_****",
    );
    expect(maskSecrets({ note: `token=${TOKEN}` })).toEqual({ note: "token=ksp_adm_****" });
  });

  it("leaves strings that only resemble a token", () => {
    // too short after the prefix, a kind that is not 2-5 letters, and the prefix inside a word
    expect(maskSecrets("ksp_adm_short")).toBe("ksp_adm_short");
    expect(maskSecrets("ksp_toolong_abcdefghij")).toBe("ksp_toolong_abcdefghij");
    expect(maskSecrets("xksp_adm_abcdefghij")).toBe("xksp_adm_abcdefghij");
  });

  it("masks bearer credentials in free text", () => {
    expect(maskSecrets("Authorization: Bearer abc.def-ghi")).toBe("Authorization: Bearer ****");
    expect(maskSecrets('{"h":"Bearer eyJhbGciOi"}')).toBe('{"h":"Bearer ****"}');
    expect(maskSecrets({ note: "retry with Bearer  xyz" })).toEqual({ note: "retry with Bearer  ****" });
  });

  it("masks secret keys and token values together (the agent's config case)", () => {
    const note = "Bearer abc.def and ksp_reg_SuperSecretValue123";
    expect(maskSecrets({ apiToken: "abc", tokenFile: "/x", note })).toEqual({
      apiToken: MASK,
      tokenFile: "/x",
      note: "Bearer **** and ksp_reg_****",
    });
  });

  it("returns numbers, booleans, null and undefined unchanged", () => {
    expect(maskSecrets(42)).toBe(42);
    expect(maskSecrets(false)).toBe(false);
    expect(maskSecrets(null)).toBeNull();
    expect(maskSecrets(undefined)).toBeUndefined();
  });
});

describe("maskSecrets: structure", () => {
  it("masks inside nested objects and recurses into objects under secret keys", () => {
    expect(
      maskSecrets({
        request: { headers: { authorization: "Basic dXNlcjpwdw==", accept: "application/json" } },
        credentials: { username: "admin", password: "hunter2" },
        token: { id: "tok-1", value: TOKEN },
      }),
    ).toEqual({
      request: { headers: { authorization: MASK, accept: "application/json" } },
      credentials: { username: "admin", password: MASK },
      token: { id: "tok-1", value: "ksp_adm_****" },
    });
  });

  it("masks inside arrays", () => {
    expect(maskSecrets([{ password: "x" }, TOKEN, 3, [{ secret: "y" }]])).toEqual([
      { password: MASK },
      "ksp_adm_****",
      3,
      [{ secret: MASK }],
    ]);
  });

  it("turns an Error into its name and masked message", () => {
    class RefusedError extends Error {
      override name = "RefusedError";
      readonly token = TOKEN;
    }
    expect(maskSecrets({ err: new RefusedError(`refused Bearer abc and ${TOKEN}`) })).toEqual({
      err: { name: "RefusedError", message: "refused Bearer **** and ksp_adm_****" },
    });
  });

  it("does not change its input", () => {
    const input = { password: "x", nested: { token: "y" }, list: [TOKEN] };
    maskSecrets(input);
    expect(input).toEqual({ password: "x", nested: { token: "y" }, list: [TOKEN] });
  });

  it("stops at depth 6: objects below it are returned as they are (and a cycle ends)", () => {
    const nest = (levels: number, inner: object): object =>
      levels === 0 ? inner : { a: nest(levels - 1, inner) };
    expect(maskSecrets(nest(6, { token: "x" }))).toEqual(nest(6, { token: MASK }));
    const deep = { token: "x" };
    const masked = maskSecrets(nest(7, deep)) as { a: { a: { a: { a: { a: { a: { a: unknown } } } } } } };
    expect(masked.a.a.a.a.a.a.a).toBe(deep);

    const cycle: Record<string, unknown> = { password: "x" };
    cycle.self = cycle;
    expect((maskSecrets(cycle) as Record<string, unknown>).password).toBe(MASK);
  });
});
