import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  generateToken,
  hashToken,
  isGeneratedToken,
  TOKEN_PREFIXES,
  tokenDisplayPrefix,
  tokenMatchesHash,
} from "../../../../functions/lib/tokens.ts";
import { maskSecrets } from "../../../../shared/mask-secrets.ts";

describe("tokens", () => {
  it.each([
    ["api", "ksp_adm_"],
    ["registration", "ksp_reg_"],
    ["agent", "ksp_agt_"],
  ] as const)("%s tokens are %s + 43 base64url characters", (kind, prefix) => {
    const token = generateToken(kind);
    expect(TOKEN_PREFIXES[kind]).toBe(prefix);
    expect(token).toMatch(new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`));
    expect(isGeneratedToken(token, kind)).toBe(true);
    expect(Buffer.from(token.slice(prefix.length), "base64url")).toHaveLength(32);
  });

  it("never repeats and is recognised only with its own prefix", () => {
    const tokens = new Set(Array.from({ length: 200 }, () => generateToken("api")));
    expect(tokens.size).toBe(200);
    const agent = generateToken("agent");
    expect(isGeneratedToken(agent, "api")).toBe(false);
    expect(isGeneratedToken(`${agent}x`, "agent")).toBe(false);
    expect(isGeneratedToken("ksp_agt_short", "agent")).toBe(false);
  });

  it("hashes to the lowercase SHA-256 hex of the token", async () => {
    const token = generateToken("api");
    const expected = createHash("sha256").update(token).digest("hex");
    expect(await hashToken(token)).toBe(expected);
    expect(await hashToken("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("compares in constant time, by content and length", async () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
    expect(constantTimeEqual("é", "e")).toBe(false);
    const token = generateToken("api");
    expect(await tokenMatchesHash(token, await hashToken(token))).toBe(true);
    expect(await tokenMatchesHash(generateToken("api"), await hashToken(token))).toBe(false);
  });

  it("keeps only a short display prefix, and the logger masks full tokens", () => {
    const token = generateToken("api");
    expect(tokenDisplayPrefix(token)).toBe(token.slice(0, 12));
    expect(maskSecrets(`got ${token}`)).toBe("got ksp_adm_****");
  });
});
