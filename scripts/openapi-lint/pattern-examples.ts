/**
 * Example values for the patterns in /openapi.json whose schema has no example, keyed by the pattern.
 * The OpenAPI lint (scripts/lint-openapi.ts) fails on a pattern without an example it matches. Prefer
 * `.openapi({ example })` on the zod schema itself, where client generators and readers of the
 * document see it too; an entry here is for a pattern shared by many schemas.
 */
export const PATTERN_EXAMPLES: Record<string, string> = {
  // a Kubernetes label value (labels, taint values)
  [/^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/.source]: "rack-4",
  // a Kubernetes qualified name (taint keys)
  [/^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/.source]:
    "example.com/dedicated",
  // free text without control characters (machine descriptions, notes, reasons)
  [/^[^\p{Cc}]*$/u.source]: "NVIDIA A100 80GB, rack 4",
  // an agent request id
  [/^[A-Za-z0-9._:-]{1,128}$/.source]: "scale-up:workers:42",
  // an SSH host key fingerprint as the agent reports it (unpadded)
  [/^SHA256:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]$/.source]:
    "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
};
