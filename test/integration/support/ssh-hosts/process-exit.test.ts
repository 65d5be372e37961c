import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { requireService } from "../../../support/services.ts";
import { sshdUsable } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");
const fixture = fileURLToPath(new URL("./fixtures/start-and-leave.ts", import.meta.url));

interface Started {
  config: string;
  root: string;
}

function startChild(mode: "exit" | "wait"): { child: ChildProcess; hosts: Promise<Started[]> } {
  const child = spawn(process.execPath, ["--import", "tsx", fixture, mode], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const hosts = new Promise<Started[]>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!) as Started[]);
    });
    child.once("exit", (code) => reject(new Error(`fixture exited with ${code} before starting hosts`)));
  });
  return { child, hosts };
}

const running = (config: string): boolean => {
  try {
    execFileSync("pgrep", ["-f", config]);
    return true;
  } catch {
    return false;
  }
};

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe.skipIf(!ok)("ssh test hosts outliving their test process", () => {
  it("are stopped and removed when the process exits without calling stop()", async () => {
    const { child, hosts } = startChild("exit");
    const started = await hosts;
    await new Promise((r) => child.once("exit", r));
    for (const { config, root } of started) {
      expect(running(config)).toBe(false);
      expect(existsSync(root)).toBe(false);
    }
  });

  it("lose their sshd when the process is SIGKILLed", async () => {
    const { child, hosts } = startChild("wait");
    const started = await hosts;
    expect(running(started[0]!.config)).toBe(true);
    child.kill("SIGKILL");
    expect(await eventually(() => started.every(({ config }) => !running(config)))).toBe(true);
    // Nothing ran to delete the temp dir; do it here.
    rmSync(path.dirname(started[0]!.root), { recursive: true, force: true });
  });
});
