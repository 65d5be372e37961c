/**
 * The test side of the fakes: reads what they recorded and plants faults,
 * behaviours and state (clock, firewall) in the host's /var/log/ksp-fake,
 * straight from disk.
 */
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { FAKE_STATE_PATH, hostPath } from "./host-view.ts";

export interface FakeCall {
  command: string;
  /** argv[0] is the command; token values are "***". */
  argv: string[];
  ts: string;
  cwd: string;
  pid: number;
  /** Bytes read from stdin (or the size of a redirected file); never the content. */
  stdinBytes: number;
  exitCode: number;
  durationMs: number;
}

/** What the fake kubeadm recorded about a successful join (no token). */
export interface JoinState {
  name: string;
  providerID: string | null;
  extraArgs: Record<string, string>;
  taints: { key: string; value?: string; effect: string }[];
  apiServerEndpoint: string;
  configApiVersion: string;
  kubeVersion: string;
}

export interface UnitState {
  active: boolean;
  enabled: boolean;
}

/** What the fake timedatectl reports; both true until a test changes them. */
export interface ClockState {
  ntp: boolean;
  synchronized: boolean;
}

export type IptablesFamily = "iptables" | "ip6tables";

export interface Behaviour {
  /** Sleep before doing anything, e.g. to exercise timeouts. */
  delayMs?: number;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

export class FakeControl {
  private faultSeq = 0;

  constructor(private readonly stateRoot: string) {}

  private state(file: string): string {
    return path.join(hostPath(this.stateRoot, FAKE_STATE_PATH), file);
  }

  async calls(): Promise<FakeCall[]> {
    const text = await readFile(this.state("calls.jsonl"), "utf8").catch(() => "");
    return text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as FakeCall);
  }

  /**
   * The next call whose argv starts with the words of `match` ("kubeadm join",
   * "systemctl restart kubelet") prints stderr/stdout and exits with exitCode.
   * Faults queue up and each is used once.
   */
  async failNext(match: string, exitCode = 1, stderr = "", stdout = ""): Promise<void> {
    const name = `${String(++this.faultSeq).padStart(6, "0")}.json`;
    const fault = {
      match,
      exitCode,
      stderr: stderr && !stderr.endsWith("\n") ? `${stderr}\n` : stderr,
      stdout,
    };
    await writeFile(this.state(`faults/${name}.tmp`), JSON.stringify(fault));
    // Renamed into place so a fake never reads a half-written fault.
    await rename(this.state(`faults/${name}.tmp`), this.state(`faults/${name}`));
  }

  /** Persistent behaviour for calls starting with `match`; null removes it. Longest match wins. */
  async setBehaviour(match: string, behaviour: Behaviour | null): Promise<void> {
    const all = (await readJson<Record<string, Behaviour>>(this.state("behaviours.json"))) ?? {};
    if (behaviour) all[match] = behaviour;
    else delete all[match];
    await writeFile(this.state("behaviours.json"), JSON.stringify(all));
  }

  /**
   * The pid of the host's kubelet process (fakes/kubelet-daemon.mjs), while it
   * runs: started with the unit inside the host, gone when the unit stops or
   * the host dies. Marked with the host's id, so another process reusing the
   * pid does not count.
   */
  async kubeletPid(): Promise<number | undefined> {
    const pid = Number((await readFile(this.state("kubelet.pid"), "utf8").catch(() => "")).trim());
    if (!pid) return undefined;
    try {
      const stat = await readFile(`/proc/${pid}/stat`, "utf8");
      if (/\)\s+Z\s/.test(stat)) return undefined; // exited, not yet reaped
      const argv = (await readFile(`/proc/${pid}/cmdline`, "utf8")).split("\0");
      return argv.includes(`--ksp-host-id=${this.stateRoot}`) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async kubeletRunning(): Promise<boolean> {
    return (await this.kubeletPid()) !== undefined;
  }

  async joinState(): Promise<JoinState | undefined> {
    return readJson<JoinState>(this.state("node.json"));
  }

  /** systemd units as the fake systemctl sees them; units never touched keep their defaults. */
  async units(): Promise<Record<string, UnitState>> {
    const defaults = {
      kubelet: { active: false, enabled: false },
      containerd: { active: true, enabled: true },
    };
    return { ...defaults, ...(await readJson<Record<string, UnitState>>(this.state("units.json"))) };
  }

  /**
   * Plants or changes a unit the fake systemctl knows, e.g. an active chrony for a host without NTP sync.
   * Written from outside the host, so it starts no process: a kubelet set inactive here stops within a
   * second, but starting one takes `systemctl start kubelet` on the host.
   */
  async setUnit(name: string, state: UnitState): Promise<void> {
    const units = (await readJson<Record<string, UnitState>>(this.state("units.json"))) ?? {};
    await writeFile(this.state("units.json"), `${JSON.stringify({ ...units, [name]: state }, null, 2)}\n`);
  }

  /** The clock timedatectl reports, e.g. `setClock({ synchronized: false })` for a host whose NTP never synced. */
  async setClock(change: Partial<ClockState>): Promise<void> {
    const clock = {
      ntp: true,
      synchronized: true,
      ...(await readJson<ClockState>(this.state("clock.json"))),
    };
    await writeFile(this.state("clock.json"), JSON.stringify({ ...clock, ...change }));
  }

  /** The host's ruleset in iptables-save format (no comments); "" while no table is loaded. */
  async iptablesRules(family: IptablesFamily = "iptables"): Promise<string> {
    return readFile(this.state(`${family}.rules`), "utf8").catch(() => "");
  }

  /** Replaces the host's ruleset with iptables-save text, which the fakes parse on their next call. */
  async setIptablesRules(rules: string, family: IptablesFamily = "iptables"): Promise<void> {
    await writeFile(this.state(`${family}.rules`), rules.endsWith("\n") ? rules : `${rules}\n`);
  }

  /** The host's IPVS table in `ipvsadm -S` format; "" when empty. */
  async ipvsRules(): Promise<string> {
    return readFile(this.state("ipvs.rules"), "utf8").catch(() => "");
  }

  async setIpvsRules(rules: string): Promise<void> {
    await writeFile(this.state("ipvs.rules"), rules);
  }

  async clearCalls(): Promise<void> {
    await rm(this.state("calls.jsonl"), { force: true });
    await writeFile(this.state("calls.jsonl"), "");
    await writeFile(this.state("started.jsonl"), "");
  }

  /**
   * Calls that started and have not finished (no calls.jsonl line yet) and
   * whose process is still alive: what the host is doing right now, so a
   * test can act in the middle of a command (e.g. kill the agent mid-join).
   */
  async runningCalls(): Promise<Omit<FakeCall, "stdinBytes" | "exitCode" | "durationMs">[]> {
    const text = await readFile(this.state("started.jsonl"), "utf8").catch(() => "");
    const done = new Set((await this.calls()).map((c) => `${c.pid}@${c.ts}`));
    return text
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Omit<FakeCall, "stdinBytes" | "exitCode" | "durationMs">)
      .filter((c) => !done.has(`${c.pid}@${c.ts}`) && processAlive(c.pid));
  }
}

/** The Node object the fake kubeadm registers, as far as tests look at it. */
export interface RegisteredNode {
  metadata: { name: string; uid?: string; labels: Record<string, string> };
  spec: { providerID?: string; taints?: { key: string; value?: string; effect: string }[] };
  status: {
    capacity: Record<string, string>;
    allocatable: Record<string, string>;
    conditions: { type: string; status: string; reason?: string }[];
    addresses: { type: string; address: string }[];
  };
}
