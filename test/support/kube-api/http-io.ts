/** Request body reading and JSON responses for the stand-in's node:http server. */
import type { IncomingMessage, ServerResponse } from "node:http";
import { errors, type StatusBody } from "./status.ts";

/** The real server's default request-body limit is 3 MiB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw errors.badRequest(`the request body is too large: limit is ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses a JSON body; malformed JSON is a 400 like the real decoder's, never a 500. */
export function parseJson(text: string, required: boolean): unknown {
  if (text.trim() === "") {
    if (required) throw errors.badRequest("Object 'Kind' is missing in ''");
    return undefined;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
    "Cache-Control": "no-cache, private",
  });
  res.end(payload);
}

export function sendStatus(res: ServerResponse, status: StatusBody): void {
  sendJson(res, status.code ?? 200, status);
}

export function sendText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** `application/merge-patch+json; charset=utf-8` → `application/merge-patch+json`. */
export function mediaType(header: string | undefined): string {
  return (header ?? "").split(";")[0]!.trim().toLowerCase();
}

export function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? "");
  return m?.[1]?.trim();
}
