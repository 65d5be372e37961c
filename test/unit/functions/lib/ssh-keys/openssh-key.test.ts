/**
 * lib/ssh-keys against the real ssh-keygen: keys it writes parse, with its
 * fingerprint; keys we generate are accepted by ssh-keygen (and by ssh2) and
 * round-trip through our own parser; everything else is a 400 naming the
 * problem without echoing the key.
 */
import { utils } from "ssh2";
import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../../../functions/lib/crypto/base64.ts";
import { AppError } from "../../../../../functions/lib/errors.ts";
import { generateEd25519 } from "../../../../../functions/lib/ssh-keys/generate-ed25519.ts";
import { parseOpenSshPrivateKey } from "../../../../../functions/lib/ssh-keys/parse-private-key.ts";
import { authorizedKeyLine, sshFingerprint } from "../../../../../functions/lib/ssh-keys/public-key.ts";
import { derivedPublicKey, fingerprintOf, type KeygenOptions, sshKeygen } from "./ssh-keygen.ts";

const blobOf = (line: string) => line.split(" ")[1];

function refusal(text: string): AppError {
  try {
    parseOpenSshPrivateKey(text);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe("validation_failed");
    return err as AppError;
  }
  throw new Error("parsed, but should have been refused");
}

/** The body's lines, to check a message does not echo any of them. */
const bodyLines = (key: string) => key.split("\n").filter((l) => l && !l.startsWith("-----"));

describe("parseOpenSshPrivateKey on ssh-keygen's keys", () => {
  const cases: [string, KeygenOptions, string, boolean][] = [
    ["ed25519", { type: "ed25519" }, "ssh-ed25519", false],
    ["rsa 3072", { type: "rsa", bits: 3072 }, "ssh-rsa", false],
    ["ecdsa 256", { type: "ecdsa", bits: 256 }, "ecdsa-sha2-nistp256", false],
    ["ecdsa 521", { type: "ecdsa", bits: 521 }, "ecdsa-sha2-nistp521", false],
    ["ed25519 with a passphrase", { type: "ed25519", passphrase: "correct horse" }, "ssh-ed25519", true],
    ["rsa with a passphrase", { type: "rsa", bits: 2048, passphrase: "battery staple" }, "ssh-rsa", true],
    [
      "ecdsa 384 under aes256-gcm",
      { type: "ecdsa", bits: 384, passphrase: "pw", cipher: "aes256-gcm@openssh.com" },
      "ecdsa-sha2-nistp384",
      true,
    ],
    [
      "ed25519 under chacha20-poly1305",
      { type: "ed25519", passphrase: "pw", cipher: "chacha20-poly1305@openssh.com" },
      "ssh-ed25519",
      true,
    ],
  ];
  it.each(cases)(
    "%s: type, passphrase flag, ssh-keygen's fingerprint and public key",
    async (_, opts, type, enc) => {
      const key = sshKeygen(opts);
      const parsed = parseOpenSshPrivateKey(key.privateKey);
      expect(parsed.algorithm).toBe(type);
      expect(parsed.encrypted).toBe(enc);
      expect(await sshFingerprint(parsed.publicBlob)).toBe(key.fingerprint);
      expect(bytesToBase64(parsed.publicBlob)).toBe(blobOf(key.publicKey));
    },
  );

  it("accepts CRLF line ends and surrounding blank lines", () => {
    const key = sshKeygen({ type: "ed25519" });
    const crlf = `\r\n${key.privateKey.replace(/\n/g, "\r\n")}\r\n`;
    expect(parseOpenSshPrivateKey(crlf).algorithm).toBe("ssh-ed25519");
  });
});

describe("generateEd25519", () => {
  it("writes a key ssh-keygen and ssh2 accept, whose public half is the one returned", async () => {
    const key = await generateEd25519("pool-key");
    const line = authorizedKeyLine(key.algorithm, key.publicBlob, "pool-key");
    expect(line).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=* pool-key$/);
    // ssh-keygen derives the same public key from the file and prints the same fingerprint
    expect(derivedPublicKey(key.privateKey)).toBe(line);
    expect(fingerprintOf(key.privateKey)).toBe(await sshFingerprint(key.publicBlob));
    const parsed = utils.parseKey(key.privateKey);
    if (parsed instanceof Error) throw parsed;
    const one = Array.isArray(parsed) ? parsed[0]! : parsed;
    expect(one.type).toBe("ssh-ed25519");
    expect(one.getPublicSSH().toString("base64")).toBe(blobOf(line));
    // a signature made with the key verifies with its public half
    const data = Buffer.from("kube-static-pool");
    expect(one.verify(data, one.sign(data))).toBe(true);
    // our own parser takes it back
    const back = parseOpenSshPrivateKey(key.privateKey);
    expect(back).toMatchObject({ algorithm: "ssh-ed25519", encrypted: false });
    expect(bytesToBase64(back.publicBlob)).toBe(bytesToBase64(key.publicBlob));
  });

  it("makes a new key every time", async () => {
    const [a, b] = await Promise.all([generateEd25519("a"), generateEd25519("a")]);
    expect(bytesToBase64(a.publicBlob)).not.toBe(bytesToBase64(b.publicBlob));
  });
});

describe("refusals", () => {
  const ed = sshKeygen({ type: "ed25519" });

  it("names PEM and PKCS#8 keys and says how to convert them", () => {
    for (const format of ["PEM", "PKCS8"] as const) {
      const pem = sshKeygen({ type: "rsa", bits: 2048, format });
      const err = refusal(pem.privateKey);
      expect(err.message).toContain("ssh-keygen -p -f <file>");
      expect(err.message).toMatch(format === "PEM" ? /RSA PRIVATE KEY/ : /"PRIVATE KEY"/);
      for (const line of bodyLines(pem.privateKey)) expect(err.message).not.toContain(line);
    }
  });

  it("tells a public key from a private one", () => {
    expect(refusal(ed.publicKey).message).toMatch(/public key/);
  });

  it("refuses text that is no key at all", () => {
    expect(refusal("hello").message).toMatch(/not an OpenSSH private key/);
    expect(refusal("").message).toMatch(/not an OpenSSH private key/);
  });

  it("refuses a key cut short, before or after its END line", () => {
    const lines = ed.privateKey.trim().split("\n");
    expect(refusal(lines.slice(0, -1).join("\n")).message).toMatch(/END .* line is missing/);
    // the body cut after two lines (140 characters: still valid base64), too short for its fields
    const cut = [lines[0], lines[1], lines[2], lines.at(-1)].join("\n");
    expect(refusal(cut).message).toMatch(/truncated or corrupt/);
    expect(refusal(`${ed.privateKey}\n${ed.privateKey}`).message).toMatch(/one key only/);
  });

  it("refuses garbage base64", () => {
    const lines = ed.privateKey.trim().split("\n");
    expect(refusal([lines[0], "@@not*base64@@", lines.at(-1)].join("\n")).message).toMatch(
      /not valid base64/,
    );
    expect(refusal([lines[0], "aGVsbG8gd29ybGQ=", lines.at(-1)].join("\n")).message).toMatch(/magic/);
  });

  it("refuses a key whose check numbers or halves disagree", () => {
    const bytes = Buffer.from(bodyLines(ed.privateKey).join(""), "base64");
    const rewrap = (b: Buffer) =>
      `-----BEGIN OPENSSH PRIVATE KEY-----\n${b.toString("base64")}\n-----END OPENSSH PRIVATE KEY-----\n`;
    // the private section starts after magic(15) + "none"(8) + "none"(8) + kdfoptions(4) + count(4) + blob(4+51) + length(4)
    const checkAt = 15 + 8 + 8 + 4 + 4 + 4 + 51 + 4;
    const flippedCheck = Buffer.from(bytes);
    flippedCheck[checkAt] = flippedCheck[checkAt]! ^ 1;
    expect(refusal(rewrap(flippedCheck)).message).toMatch(/check numbers differ/);
    // the public key in the header no longer matches the private part
    const flippedPublic = Buffer.from(bytes);
    flippedPublic[checkAt - 10] = flippedPublic[checkAt - 10]! ^ 1;
    expect(refusal(rewrap(flippedPublic)).message).toMatch(/does not match its public key|differ/);
  });
});
