/**
 * One real OpenSSH server in its own mount + UTS namespace. Every process of
 * the host (listener, sessions, the fakes they run) shares that mount
 * namespace, so killing "the host" means killing every process in it; we pin
 * the namespace with an open fd so its inode cannot be reused meanwhile.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, createWriteStream, fstatSync, openSync, readdirSync, statSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { namespaceScript, sshdPidPath } from "./host-view.ts";

export interface SshdSpec {
  root: string;
  hostName: string;
  address: string;
  port: number;
  hostKeyPath: string;
  authorizedKeysPath: string;
  /** Run inside this `ip netns` network namespace. */
  netns?: string;
}

const SESSION_PATH = "/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin";
const READY_TIMEOUT_MS = 10_000;

export function sshdConfigText(spec: SshdSpec): string {
  return [
    `ListenAddress ${spec.address}:${spec.port}`,
    `HostKey ${spec.hostKeyPath}`,
    `PidFile ${sshdPidPath(spec.root)}`,
    `AuthorizedKeysFile ${spec.authorizedKeysPath}`,
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin prohibit-password",
    "UsePAM no",
    "StrictModes no",
    "UseDNS no",
    "PrintMotd no",
    "PrintLastLog no",
    // The agent opens many channels at once; the defaults (10 sessions, 10:30:100) would throttle tests.
    "MaxSessions 64",
    "MaxStartups 200:30:400",
    `SetEnv PATH=${SESSION_PATH}`,
    "Subsystem sftp /usr/lib/openssh/sftp-server",
    "",
  ].join("\n");
}

interface NsId {
  dev: number;
  ino: number;
}

function mountNsOf(pid: number | "self"): NsId | undefined {
  try {
    const st = statSync(`/proc/${pid}/ns/mnt`);
    return { dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

function pidsInNamespace(ns: NsId): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const id = mountNsOf(Number(entry));
    if (id && id.dev === ns.dev && id.ino === ns.ino) pids.push(Number(entry));
  }
  return pids;
}

export class SshdProcess {
  private exited: Promise<void>;
  private nsFd: number | undefined;
  private ns: NsId | undefined;

  private constructor(
    private readonly child: ChildProcess,
    readonly log: string,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Starts sshd and resolves once it listens; rejects with sshd's own log if it cannot. */
  static async start(spec: SshdSpec, configPath: string): Promise<SshdProcess> {
    await writeFile(configPath, sshdConfigText(spec));
    const inner = ["unshare", "-m", "-u", "--propagation", "private", "sh", "-c"];
    inner.push(namespaceScript(spec.root, spec.hostName, configPath));
    const net = spec.netns ? ["nsenter", `--net=/run/netns/${spec.netns}`] : [];
    // pdeathsig: if this test process dies without cleaning up, the listener dies with it.
    const child = spawn("setpriv", ["--pdeathsig", "KILL", ...net, ...inner], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { PATH: SESSION_PATH, LANG: "C.UTF-8" },
    });
    const logPath = path.join(spec.root, "sshd.log");
    const proc = new SshdProcess(child, logPath);
    await proc.waitUntilListening(createWriteStream(logPath, { flags: "a" }));
    return proc;
  }

  private waitUntilListening(log: NodeJS.WritableStream): Promise<void> {
    return new Promise((resolve, reject) => {
      let output = "";
      let settled = false;
      const timer = setTimeout(
        () => fail(new Error(`sshd not listening after ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.killSync();
        reject(new Error(`${err.message}\n${output}`));
      };
      this.child.stderr?.on("data", (chunk: Buffer) => {
        log.write(chunk);
        if (output.length < 8192) output += chunk.toString();
        if (!settled && /Server listening on/.test(output)) {
          try {
            this.pinNamespace();
            settled = true;
            clearTimeout(timer);
            resolve();
          } catch (err) {
            fail(err as Error);
          }
        }
      });
      this.child.once("exit", (code) => fail(new Error(`sshd exited with ${code} before listening`)));
      this.child.once("error", (err) => fail(err));
    });
  }

  private pinNamespace(): void {
    const fd = openSync(`/proc/${this.pid}/ns/mnt`, "r");
    const st = fstatSync(fd);
    const own = mountNsOf("self");
    if (own && own.dev === st.dev && own.ino === st.ino) {
      closeSync(fd);
      throw new Error("sshd is not in a private mount namespace; refusing to manage it");
    }
    this.nsFd = fd;
    this.ns = { dev: st.dev, ino: st.ino };
  }

  /** Kills every process of the host (sessions and their children too). Idempotent. */
  killSync(): void {
    const ns = this.ns;
    if (ns) {
      // Sessions may fork while we scan; repeat until the namespace is empty.
      for (let round = 0; round < 20; round++) {
        const pids = pidsInNamespace(ns);
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      }
      this.ns = undefined;
      if (this.nsFd !== undefined) closeSync(this.nsFd);
      this.nsFd = undefined;
    }
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }

  async kill(): Promise<void> {
    this.killSync();
    await this.exited;
  }
}
