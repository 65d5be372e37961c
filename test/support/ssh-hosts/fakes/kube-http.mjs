/**
 * The fakes' client for the test API server: plain HTTP (it serves no TLS),
 * JSON bodies, and the configured bearer token, which stands in for the
 * credentials a real node would use (anonymous, bootstrap token or client cert).
 */

/** { url, token } of the host's API server, or undefined when the host was started without one. */
export function apiOf(config) {
  return config.kubeApiUrl ? { url: config.kubeApiUrl, token: config.kubeApiToken } : undefined;
}

/** One request; resolves { status, body } (body parsed, or { message } for non-JSON); rejects on network errors. */
export async function request(api, method, path, { body, contentType = "application/json" } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = contentType;
  if (api.token) headers.authorization = `Bearer ${api.token}`;
  const res = await fetch(`${api.url.replace(/\/+$/, "")}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) };
  } catch {
    return { status: res.status, body: { message: text.slice(0, 200) } };
  }
}
