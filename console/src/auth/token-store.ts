/**
 * The API token lives in sessionStorage only: it is gone when the tab closes, is never
 * written to localStorage, and never appears in a URL (requests carry it in a header).
 */
const KEY = "ksp.console.token";

export function readToken(): string | null {
  return sessionStorage.getItem(KEY);
}

export function writeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function clearToken(): void {
  sessionStorage.removeItem(KEY);
}
