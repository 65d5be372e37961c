/**
 * What a client sends as `kubeconfig`: the YAML itself, or the base64 of it
 * (what `base64 -w0 ~/.kube/config` or a CI secret holds). A kubeconfig is a
 * YAML mapping, so it always contains a ":"; base64 never does, which tells
 * the two apart without guessing. The decoded text is what gets sealed.
 */
import { AppError } from "../errors.ts";

/** A flattened single-context kubeconfig is a few KiB; anything near this is not one. */
export const MAX_KUBECONFIG_BYTES = 256 * 1024;
/** The base64 of MAX_KUBECONFIG_BYTES, with room for line breaks every 76 characters. */
export const MAX_KUBECONFIG_INPUT_CHARS = Math.ceil((MAX_KUBECONFIG_BYTES * 4) / 3) + 8 * 1024;

const BASE64_TEXT = /^[A-Za-z0-9+/=_\-\s]+$/;

const invalid = (message: string) => new AppError("validation_failed", message, { field: "kubeconfig" });

function tooLarge(): AppError {
  return invalid(
    `kubeconfig: larger than ${MAX_KUBECONFIG_BYTES / 1024} KiB; export only the context you need (kubectl config view --raw --flatten --minify)`,
  );
}

/** Lenient base64 (wrapped lines, base64url, missing padding) to UTF-8 text; undefined if it is neither. */
export function decodeBase64Text(encoded: string): string | undefined {
  const compact = encoded.replace(/\s+/g, "").replace(/-/g, "+").replace(/_/g, "/");
  let binary: string;
  try {
    binary = atob(compact);
  } catch {
    return undefined;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

/** The kubeconfig's YAML text: `input` itself, or decoded from base64. Never echoes the input. */
export function kubeconfigText(input: string): string {
  if (input.length > MAX_KUBECONFIG_INPUT_CHARS) throw tooLarge();
  const trimmed = input.trim();
  if (trimmed === "") throw invalid("kubeconfig: empty");
  // what does not decode is read as YAML, whose refusal then says what a kubeconfig must be
  const decoded = !trimmed.includes(":") && BASE64_TEXT.test(trimmed) ? decodeBase64Text(trimmed) : undefined;
  const text = decoded ?? input;
  if (new TextEncoder().encode(text).length > MAX_KUBECONFIG_BYTES) throw tooLarge();
  // Postgres text cannot hold NUL, and no kubeconfig has one
  if (text.includes("\u0000")) throw invalid("kubeconfig: contains a NUL character");
  return text;
}
