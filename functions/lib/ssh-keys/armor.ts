/**
 * The text wrapping of an OpenSSH private key: BEGIN and END lines around
 * base64 of the binary key, 70 characters a line as ssh-keygen writes it.
 * Other PEM blocks (PKCS#1, PKCS#8, SEC1) are recognised only to tell the
 * user how to convert them.
 */
import { base64ToBytes, bytesToBase64 } from "../crypto/base64.ts";

export const OPENSSH_BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
export const OPENSSH_END = "-----END OPENSSH PRIVATE KEY-----";
const LINE = 70;

export function armor(key: Uint8Array): string {
  const body = bytesToBase64(key);
  const lines: string[] = [];
  for (let i = 0; i < body.length; i += LINE) lines.push(body.slice(i, i + LINE));
  return `${OPENSSH_BEGIN}\n${lines.join("\n")}\n${OPENSSH_END}\n`;
}

export type Unarmored =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; problem: "not_openssh"; label: string | null }
  | { ok: false; problem: "no_end" | "not_base64" | "extra_text" };

const PEM_BEGIN = /-----BEGIN ([A-Z0-9 ]+)-----/;

/** The binary key inside the armor; what is wrong otherwise (never echoing the text). */
export function unarmor(text: string): Unarmored {
  const trimmed = text.trim();
  if (!trimmed.startsWith(OPENSSH_BEGIN)) {
    return { ok: false, problem: "not_openssh", label: PEM_BEGIN.exec(trimmed)?.[1] ?? null };
  }
  const end = trimmed.indexOf(OPENSSH_END);
  if (end < 0) return { ok: false, problem: "no_end" };
  if (end + OPENSSH_END.length !== trimmed.length) return { ok: false, problem: "extra_text" };
  const body = trimmed.slice(OPENSSH_BEGIN.length, end).replace(/\s+/g, "");
  const bytes = base64ToBytes(body);
  if (bytes === undefined || bytes.length === 0) return { ok: false, problem: "not_base64" };
  return { ok: true, bytes };
}
