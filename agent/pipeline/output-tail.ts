/**
 * The last lines of a step's stdout or stderr, secrets masked. Output is kept
 * raw (masking chunk by chunk would miss a secret split across two chunks) up
 * to a bound; past it the buffer is masked and its front dropped. The
 * compaction never cuts through an unmasked secret: declared secrets are
 * masked over the whole buffer (only an incomplete one at the very end stays
 * raw, and the kept end is longer than any secret), and token-like strings,
 * which never span lines, are masked up to the last newline only.
 */
import { maskSecrets } from "../../shared/mask-secrets.ts";
import type { SecretMasker } from "./masking.ts";

export interface TailLimits {
  /** at most this many lines … */
  lines: number;
  /** … and at most this many bytes (UTF-8) */
  bytes: number;
}

export const DEFAULT_TAIL: TailLimits = { lines: 40, bytes: 4096 };

// Raw output kept before compaction: ample for any tail, bounded for a chatty step.
const COMPACT_AT_CHARS = 256 * 1024;

export class OutputTail {
  private buffer = "";
  private readonly keepChars: number;

  constructor(
    private readonly masker: SecretMasker,
    private readonly limits: TailLimits = DEFAULT_TAIL,
  ) {
    this.keepChars = Math.max(limits.bytes * 4, masker.longestSecret * 2, 16 * 1024);
  }

  append(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > COMPACT_AT_CHARS + this.keepChars) this.compact();
  }

  /** the masked tail */
  text(): string {
    return tailOf(this.masker.mask(this.buffer), this.limits);
  }

  private compact(): void {
    const literalsMasked = this.masker.maskLiterals(this.buffer);
    const lineEnd = literalsMasked.lastIndexOf("\n") + 1;
    // A final line longer than what we keep is masked whole: it will be cut anyway.
    const cut = literalsMasked.length - lineEnd > this.keepChars / 2 ? literalsMasked.length : lineEnd;
    const masked = (maskSecrets(literalsMasked.slice(0, cut)) as string) + literalsMasked.slice(cut);
    this.buffer = masked.slice(-this.keepChars);
  }
}

/** The last `lines` lines, then the last `bytes` bytes of those (a trailing newline does not count as a line). */
export function tailOf(text: string, limits: TailLimits): string {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  const lines = body.split("\n");
  const tail = lines.slice(-limits.lines).join("\n");
  const bytes = Buffer.from(tail, "utf8");
  if (bytes.length <= limits.bytes) return tail;
  // The cut may split a multi-byte character; drop its undecodable remains.
  return bytes
    .subarray(bytes.length - limits.bytes)
    .toString("utf8")
    .replace(/^\uFFFD+/, "");
}
