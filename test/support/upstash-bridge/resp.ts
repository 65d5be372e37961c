/**
 * A tiny RESP2 client for the Upstash bridge. One TCP connection, pipelined:
 * each `send` writes its whole batch in a single socket write, and Redis
 * answers in order, so a MULTI..EXEC batch is never interleaved with another
 * request's commands.
 */
import net from "node:net";

export class RespError extends Error {
  override name = "RespError";
}

/** Bulk strings stay Buffers (binary-safe); simple strings are JS strings. */
export type RespReply = string | Buffer | number | null | RespError | RespReply[];

interface Pending {
  resolve(reply: RespReply): void;
  reject(err: Error): void;
}

const CRLF = "\r\n";

export function encodeCommand(args: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}${CRLF}`)];
  for (const arg of args) {
    const bytes = typeof arg === "string" ? Buffer.from(arg, "utf8") : arg;
    parts.push(Buffer.from(`$${bytes.length}${CRLF}`), bytes, Buffer.from(CRLF));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at `offset`; undefined when the buffer does not hold all of it yet. */
export function parseReply(buf: Buffer, offset: number): { reply: RespReply; next: number } | undefined {
  const lineEnd = buf.indexOf(CRLF, offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const line = buf.toString("utf8", offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case "+":
      return { reply: line, next: afterLine };
    case "-":
      return { reply: new RespError(line), next: afterLine };
    case ":":
      return { reply: Number(line), next: afterLine };
    case "$": {
      const len = Number(line);
      if (len < 0) return { reply: null, next: afterLine };
      if (buf.length < afterLine + len + 2) return undefined;
      return { reply: Buffer.from(buf.subarray(afterLine, afterLine + len)), next: afterLine + len + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: null, next: afterLine };
      const items: RespReply[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buf, next);
        if (!item) return undefined;
        items.push(item.reply);
        next = item.next;
      }
      return { reply: items, next };
    }
    default:
      throw new Error(`RESP protocol error: unexpected type byte ${JSON.stringify(type)}`);
  }
}

export class RespConnection {
  readonly #socket: net.Socket;
  readonly #pending: Pending[] = [];
  #buffer: Buffer = Buffer.alloc(0);
  #failure: Error | undefined;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (chunk) => this.#onData(chunk));
    socket.on("error", (err) => this.#fail(err));
    socket.on("close", () => this.#fail(new Error("redis connection closed")));
  }

  static connect(host: string, port: number): Promise<RespConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      socket.setNoDelay(true);
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new RespConnection(socket));
      });
    });
  }

  get broken(): boolean {
    return this.#failure !== undefined;
  }

  /** Sends all commands in one write; resolves with their replies in order. */
  send(commands: readonly (readonly (string | Buffer)[])[]): Promise<RespReply[]> {
    if (this.#failure) return Promise.reject(this.#failure);
    const replies = commands.map(
      () => new Promise<RespReply>((resolve, reject) => this.#pending.push({ resolve, reject })),
    );
    this.#socket.write(Buffer.concat(commands.map((c) => encodeCommand(c))));
    return Promise.all(replies);
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    let offset = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.#buffer, offset);
        if (!parsed) break;
        offset = parsed.next;
        const waiter = this.#pending.shift();
        if (!waiter) throw new Error("RESP protocol error: reply without a pending command");
        waiter.resolve(parsed.reply);
      }
    } catch (err) {
      this.#fail(err as Error);
      this.#socket.destroy();
      return;
    }
    this.#buffer = this.#buffer.subarray(offset);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const waiter of this.#pending.splice(0)) waiter.reject(this.#failure);
  }
}
