/**
 * What may be shown of a key: its fingerprint exactly as `ssh-keygen -l`
 * prints it (SHA256: and unpadded base64 of the blob's SHA-256), and its
 * authorized_keys line.
 */
import { bytesToBase64 } from "../crypto/base64.ts";

export async function sshFingerprint(publicBlob: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(publicBlob)));
  return `SHA256:${bytesToBase64(digest).replace(/=+$/, "")}`;
}

/** `<type> <base64 blob> <comment>`; the comment may hold no line break (it is one line). */
export function authorizedKeyLine(algorithm: string, publicBlob: Uint8Array, comment: string): string {
  const safe = comment.replace(/\s+/g, "-");
  return safe
    ? `${algorithm} ${bytesToBase64(publicBlob)} ${safe}`
    : `${algorithm} ${bytesToBase64(publicBlob)}`;
}
