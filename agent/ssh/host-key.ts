/**
 * Host key checks. A machine's host key is pinned by its SHA256 fingerprint
 * (the `ssh-keygen -l -E sha256` form, so operators can compare by eye); the
 * decision is made inside the key exchange, before authentication, so a host
 * that fails it never runs anything.
 */
import { createHash } from "node:crypto";
import type { HostKeyPolicy } from "./types.ts";

/** "SHA256:<unpadded base64>" of the raw host key blob, as `ssh-keygen -l -E sha256` prints it. */
export function fingerprintOf(hostKeyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(hostKeyBlob).digest("base64").replace(/=+$/, "")}`;
}

export type HostKeyDecision = { accept: true; learned: boolean } | { accept: false; reason: string };

/**
 * Accepts a host whose key matches the pin; with no pin, pin-on-first-use
 * accepts (and the caller records what it learned) and require-known refuses.
 */
export function decideHostKey(
  policy: HostKeyPolicy,
  pinned: string | null,
  actual: string,
  where: string,
): HostKeyDecision {
  if (pinned !== null) {
    // operators may paste the padded form ("…=") some tools print; the key is the same
    if (unpadded(pinned) === unpadded(actual)) return { accept: true, learned: false };
    return {
      accept: false,
      reason: `host key mismatch for ${where}: expected ${pinned}, host presented ${actual}`,
    };
  }
  if (policy === "pin-on-first-use") return { accept: true, learned: true };
  return {
    accept: false,
    reason: `no pinned host key for ${where} and the policy is require-known (host presented ${actual})`,
  };
}

const unpadded = (fingerprint: string) => fingerprint.replace(/=+$/, "");
