/**
 * Node only: what happens to a request body the app answered without reading
 * (401, 405, 413, 429 before the body). A small declared body is drained
 * (read and dropped) before the answer goes out, so the connection stays
 * usable; anything else is answered with `Connection: close`, so the client
 * opens a fresh connection instead of reusing one the server is about to
 * shut (@hono/node-server drops a connection whose body it cannot drain).
 *
 * Closing is a lingering close: the server half-closes, then keeps reading
 * (and dropping) what the client is still sending for a bounded time and
 * amount. Closing at once would make the kernel answer the client's next
 * bytes with a reset, which can destroy the answer before the client reads it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";

/** Bodies up to this size are drained before an early answer; larger ones close the connection. */
export const EARLY_ANSWER_DRAIN_BYTES = 64 * 1024;
const DRAIN_TIMEOUT_MS = 1_000;
/** How long, and for how many bytes, a closing connection keeps swallowing an unwanted body. */
export const LINGER_MS = 2_000;
export const LINGER_BYTES = 64 * 1024 * 1024;
const lingering = new WeakSet<Socket>();

interface Bindings {
  incoming: IncomingMessage;
  outgoing: ServerResponse;
}
type Fetch = (request: Request, env: Bindings) => Response | Promise<Response>;

/** True once the whole body has been read; false on timeout, error or more bytes than declared. */
function drain(incoming: IncomingMessage, maxBytes: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let seen = 0;
    const done = (ok: boolean) => {
      clearTimeout(timer);
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onFail);
      incoming.off("close", onClose);
      if (!ok) incoming.pause();
      resolve(ok);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) done(false);
    };
    const onEnd = () => done(true);
    const onFail = () => done(false);
    const onClose = () => done(incoming.readableEnded);
    const timer = setTimeout(onFail, timeoutMs);
    incoming.on("data", onData);
    incoming.once("end", onEnd);
    incoming.once("error", onFail);
    incoming.once("close", onClose);
    incoming.resume();
  });
}

/** Node's server calls destroySoon once a `Connection: close` answer is out; make that a lingering close. */
function lingerOnClose(socket: Socket): void {
  if (lingering.has(socket)) return;
  lingering.add(socket);
  socket.destroySoon = function lingeringClose(this: Socket) {
    if (this.destroyed) return;
    let seen = 0;
    const close = () => {
      clearTimeout(timer);
      this.destroy();
    };
    const timer = setTimeout(close, LINGER_MS);
    timer.unref();
    this.on("data", (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > LINGER_BYTES) close();
    });
    this.once("end", close);
    this.once("close", () => clearTimeout(timer));
    this.end();
    this.resume();
  };
}

function hasUnreadBody(incoming: IncomingMessage): boolean {
  if (incoming.readableEnded || incoming.destroyed) return false;
  const declared = incoming.headers["content-length"];
  return declared !== undefined ? declared !== "0" : incoming.headers["transfer-encoding"] !== undefined;
}

export function withUnreadBodyHandling(fetch: Fetch): Fetch {
  return async (request, env) => {
    const response = await fetch(request, env);
    const { incoming, outgoing } = env;
    if (!incoming || !outgoing || !hasUnreadBody(incoming)) return response;
    const declared = Number(incoming.headers["content-length"]);
    const drainable =
      !incoming.readableDidRead && Number.isSafeInteger(declared) && declared <= EARLY_ANSWER_DRAIN_BYTES;
    if (drainable && (await drain(incoming, EARLY_ANSWER_DRAIN_BYTES, DRAIN_TIMEOUT_MS))) return response;
    if (!outgoing.headersSent) {
      outgoing.setHeader("Connection", "close");
      lingerOnClose(incoming.socket);
    }
    return response;
  };
}
