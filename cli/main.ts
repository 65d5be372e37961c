/** `ksp` entry point (`npm run ksp -- <command>`, or the package bin): wires the real process into runCli. */
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { EXIT_FAILURE } from "./exit-codes.ts";
import { formatError } from "./output.ts";
import { runCli } from "./run.ts";

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Asks on the terminal with echo off; null when stdin or stderr is not a terminal. */
async function promptSecret(question: string): Promise<string | null> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return null;
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput(text: string): void };
  process.stderr.write(question);
  output._writeToOutput = () => {}; // nothing typed is echoed
  try {
    return await new Promise<string>((resolve) => rl.question("", resolve));
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

let interrupt: AbortController | null = null;
function onInterrupt(): AbortSignal {
  if (!interrupt) {
    const controller = new AbortController();
    interrupt = controller;
    process.once("SIGINT", () => controller.abort());
  }
  return interrupt.signal;
}

async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal ? { signal } : {});
  } catch (err) {
    if ((err as { name?: string }).name !== "AbortError") throw err;
  }
}

try {
  process.exitCode = await runCli(process.argv.slice(2), {
    env: process.env,
    fetch: globalThis.fetch,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    readStdin,
    promptSecret,
    progressStream: process.stderr.isTTY ? process.stderr : null,
    onInterrupt,
    sleep,
    now: () => Date.now(),
  });
} catch (err) {
  // A bug, not a user error: still one line, but say so.
  process.stderr.write(
    `${formatError(`unexpected failure: ${err instanceof Error ? err.message : String(err)}`)}\n`,
  );
  process.exitCode = EXIT_FAILURE;
}
