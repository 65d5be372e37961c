/**
 * Runs `ksp` in-process against a stubbed fetch: each request is recorded
 * (method, raw URL path, headers, body) and answered by the test's handler.
 */
import { runCli } from "../../../cli/run.ts";
import { testDeps } from "./deps.ts";

export interface SeenRequest {
  method: string;
  /** The path as sent, percent-encoding intact. */
  path: string;
  authorization: string | null;
  contentType: string | null;
  body: unknown;
}

export type Answer = { status: number; body?: unknown; statusText?: string };

export function jsonAnswer(status: number, body: unknown): Answer {
  return { status, body };
}

export function errorAnswer(status: number, code: string, message: string, details?: object): Answer {
  return { status, body: { error: { code, message, requestId: "req-7", ...(details ? { details } : {}) } } };
}

export function stubControlPlane(handler: (request: SeenRequest) => Answer) {
  const seen: SeenRequest[] = [];
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    const text = await request.text();
    const entry: SeenRequest = {
      method: request.method,
      path: new URL(request.url).pathname,
      authorization: request.headers.get("authorization"),
      contentType: request.headers.get("content-type"),
      body: text === "" ? undefined : JSON.parse(text),
    };
    seen.push(entry);
    const answer = handler(entry);
    const payload = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body ?? null);
    return new Response(payload, {
      status: answer.status,
      statusText: answer.statusText ?? "",
      headers: { "content-type": "application/json" },
    });
  };

  async function ksp(argv: string[], env: Record<string, string> = {}) {
    const deps = testDeps(
      {
        KSP_URL: "http://cp.test:8787",
        KSP_TOKEN: "ksp_api_testtoken0",
        KSP_CONFIG: "/nonexistent/ksp.yaml",
        ...env,
      },
      fetch,
    );
    const code = await runCli(argv, deps);
    return { code, ...deps.out() };
  }

  return { seen, ksp };
}
