/**
 * Kubernetes label syntax (prefix/name ≤ 253+63 characters, value ≤ 63), as
 * the API checks label maps and as label selectors must spell their keys and
 * values. Plain regular expressions, so the HTTP schemas (http/params.ts) and
 * the services (label-selector.ts) share them without services knowing HTTP.
 */
export const LABEL_KEY_PATTERN =
  /^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const LABEL_VALUE_PATTERN = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
