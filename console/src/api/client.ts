/**
 * The typed API client: openapi-fetch over the control plane's OpenAPI document
 * (schema.ts, generated). Same-origin requests; the bearer token is added by a
 * middleware from session storage, so it travels in a header and never in a URL.
 */
import createClient, { type Middleware } from "openapi-fetch";
import { readToken } from "../auth/token-store.ts";
import { ApiError, apiErrorOf } from "./api-error.ts";
import type { paths } from "./schema.ts";

export function bearerHeader(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}

/** The stored token's header; empty when signed out. */
export function authorizationHeader(): Record<string, string> {
  const token = readToken();
  return token ? bearerHeader(token) : {};
}

/** Adds the stored token unless the call names its own (signing in checks a token before storing it). */
const bearer: Middleware = {
  onRequest({ request }) {
    const token = readToken();
    if (token && !request.headers.has("authorization"))
      request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: window.location.origin });
api.use(bearer);

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a successful call; otherwise throws the ApiError carrying the API's message and request id. */
export async function unwrap<T>(call: Promise<Outcome<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) throw apiErrorOf(response, error);
  if (data === undefined)
    throw new ApiError("the API answered without a body", response.status, "empty", null);
  return data;
}
