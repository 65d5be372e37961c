/**
 * The one secret-masking rule set, used by every logger and by the audit
 * trail on both sides. Two layers: the scalar value of any key whose name
 * looks secret, and token-shaped substrings anywhere (so a token pasted into
 * an error message or a command's output is caught too).
 */
export const MASK = "****";

// What a secret-holding key looks like: `token`, `apiToken`, `client_secret`, `password`,
// `passphrase`, `Authorization`, `cookie`, `privateKey`/`private_key`, `credential(s)`,
// `signingKey`/`QSTASH_CURRENT_SIGNING_KEY`, `encryptionKey`/`KSP_ENCRYPTION_KEYS`.
const SECRET_KEY =
  /(token|secret|password|passphrase|authorization|cookie|private[_-]?key|credential|signing[_-]?key|encryption[_-]?key)/i;

// Keys such as `credentialFile`, `tokenPath` or `sshKeyDir` name where a secret lives, not
// the secret: operators need to see those locations in the logs.
const LOCATION_KEY = /(file|path|dir)$/i;

// Our tokens all start with "ksp_<kind>_"; bearer values may turn up in free text (error messages).
// The prefix is kept so a reader still sees which kind of token it was.
const SECRET_VALUE = /\b(ksp_[a-z]{2,5}_)[A-Za-z0-9_-]{8,}|\b(Bearer\s+)[^\s"']+/g;

// Deep enough for any log record or audit change set; a deeper value (or a cycle) is left as it is.
const MAX_DEPTH = 6;

/** Whether the value under `key` is masked when it is a scalar. */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !LOCATION_KEY.test(key);
}

/**
 * A copy of `value` safe to log or store: secret-named keys' scalar values
 * become `****`, token-shaped substrings keep only their prefix, and Errors
 * become `{ name, message }` (their stack and extra fields are dropped).
 */
export function maskSecrets(value: string): string;
export function maskSecrets(value: unknown): unknown;
export function maskSecrets(value: unknown): unknown {
  return mask(value, 0);
}

function mask(value: unknown, depth: number): unknown {
  if (typeof value === "string") return value.replace(SECRET_VALUE, (_m, p1, p2) => `${p1 ?? p2}${MASK}`);
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (value instanceof Error) return { name: value.name, message: mask(value.message, depth + 1) };
  if (Array.isArray(value)) return value.map((v) => mask(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const scalar = v !== null && v !== undefined && typeof v !== "object";
    out[key] = scalar && isSecretKey(key) ? MASK : mask(v, depth + 1);
  }
  return out;
}
