/** Starts fleet-bridge-child.ts and asks it for its command counts. */
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BridgeStats } from "../test/support/upstash-bridge.ts";

export interface RemoteBridge {
  url: string;
  token: string;
  stats(): Promise<BridgeStats>;
  close(): Promise<void>;
}

/** What the child sends: "ready" once, then one answer per question, by id. */
interface Reply {
  id?: number;
  ready?: boolean;
  url?: string;
  token?: string;
  stats?: BridgeStats;
}

export async function startRemoteBridge(): Promise<RemoteBridge> {
  const child = fork(fileURLToPath(new URL("./fleet-bridge-child.ts", import.meta.url)), [], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 0;
  const waiting = new Map<number, (reply: Reply) => void>();
  const ready = new Promise<{ url: string; token: string }>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code) =>
      reject(new Error(`the Upstash bridge exited (${code}) before it was ready`)),
    );
    child.on("message", (message: Reply) => {
      if (message.ready) resolve({ url: message.url ?? "", token: message.token ?? "" });
      else if (message.id !== undefined) waiting.get(message.id)?.(message);
    });
  });
  const ask = (op: "stats" | "close") =>
    new Promise<Reply>((resolve) => {
      const id = ++next;
      waiting.set(id, (reply) => {
        waiting.delete(id);
        resolve(reply);
      });
      child.send({ id, op });
    });
  const { url, token } = await ready;
  child.removeAllListeners("exit");
  return {
    url,
    token,
    stats: async () => {
      const { stats } = await ask("stats");
      if (!stats) throw new Error("the Upstash bridge sent no stats");
      return stats;
    },
    async close() {
      if (child.connected) await ask("close");
      if (child.exitCode === null) child.kill();
    },
  };
}
