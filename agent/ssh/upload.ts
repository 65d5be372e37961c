/**
 * Uploads as one command: the content travels on stdin (never on a command
 * line, never logged) into a temp file next to the destination, which is
 * checked against our SHA-256 on the host, given its mode and owner, and only
 * then renamed over the destination, so readers see the old file or the
 * whole new one, never a half-written or unchecked one.
 */
import { createHash } from "node:crypto";
import { shellQuote } from "./command.ts";
import type { ExecOptions, ExecResult, UploadOptions } from "./types.ts";
import { SshError } from "./types.ts";

const CHECKSUM_MISMATCH_EXIT = 86;

// Values arrive as positional parameters, so nothing is interpolated into the script itself.
const UPLOAD_SCRIPT = [
  "set -eu",
  "dest=$1 want=$2 mode=$3 owner=$4 group=$5",
  'tmp=$(mktemp "$(dirname "$dest")/.ksp-upload.XXXXXX")',
  "trap 'rm -f \"$tmp\"' EXIT",
  'cat > "$tmp"',
  'got=$(sha256sum "$tmp" | cut -d " " -f 1)',
  `if [ "$got" != "$want" ]; then echo "checksum mismatch: expected $want, got $got" >&2; exit ${CHECKSUM_MISMATCH_EXIT}; fi`,
  'chmod "$mode" "$tmp"',
  'if [ -n "$group" ]; then owner="$owner:$group"; fi',
  'if [ -n "$owner" ]; then chown "$owner" "$tmp"; fi',
  'mv -f "$tmp" "$dest"',
  "trap - EXIT",
].join("\n");

export function sha256Hex(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The command line that performs the upload; the content goes to its stdin. */
export function uploadCommand(path: string, checksum: string, options: UploadOptions): string {
  if (!path.startsWith("/") || path.endsWith("/") || path.includes("\0")) {
    throw new SshError(
      "precondition",
      `upload path must be an absolute file path, got ${JSON.stringify(path)}`,
    );
  }
  if (!Number.isInteger(options.mode) || options.mode < 0 || options.mode > 0o7777) {
    throw new SshError(
      "precondition",
      `upload mode must be an octal permission (0 … 0o7777), got ${options.mode}`,
    );
  }
  const mode = options.mode.toString(8).padStart(4, "0");
  const args = [path, checksum, mode, options.owner ?? "", options.group ?? ""].map(shellQuote);
  return `sh -c ${shellQuote(UPLOAD_SCRIPT)} ksp-upload ${args.join(" ")}`;
}

/** exec with binary stdin allowed (uploads may carry any bytes) */
export type BinaryExec = (
  command: string,
  options: Omit<ExecOptions, "stdin"> & { stdin?: string | Uint8Array },
) => Promise<ExecResult>;

/** Runs the upload through `exec` (which adds the timeout and sudo wrapping). */
export async function uploadVia(
  exec: BinaryExec,
  path: string,
  content: string | Uint8Array,
  options: UploadOptions,
  where: string,
): Promise<void> {
  const bytes = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  const command = uploadCommand(path, sha256Hex(bytes), options);
  const result = await exec(command, { timeoutMs: options.timeoutMs, sudo: options.sudo, stdin: bytes });
  if (result.timedOut) {
    throw new SshError("timeout", `upload of ${path} to ${where} timed out after ${options.timeoutMs} ms`);
  }
  if (result.exitCode === 0) return;
  const detail = result.stderr.trim().split("\n").slice(-3).join("; ");
  const what = result.exitCode === CHECKSUM_MISMATCH_EXIT ? "failed its checksum check" : "failed";
  throw new SshError(
    "command",
    `upload of ${path} to ${where} ${what} (exit ${result.exitCode}): ${detail}`,
    { retryable: false },
  );
}
