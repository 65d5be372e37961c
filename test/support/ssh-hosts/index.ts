/**
 * Real OpenSSH test hosts for the agent's join/remove scripts.
 *
 *   const { hosts, stop } = await startSshHosts({ count: 3, kubeApiUrl: api.url });
 *   new Client().connect(connectionConfig(hosts[0]))
 *
 * Each host is an sshd (own host key, own authorized client key) in a private
 * mount + UTS namespace whose /etc/kubernetes, /var/lib/kubelet, CNI dirs,
 * sysctl/modules dirs, /etc/default, /etc/fstab, /usr/local/bin and home are
 * per-host directories, and /etc/hostname a per-host file; fake kubeadm,
 * kubelet, systemctl, crictl, hostnamectl, timedatectl, iptables(-save,
 * -restore) and ipvsadm in its /usr/local/bin (and bound over the machine's
 * own copies) record calls and emulate state. `kubeadm join` discovers the
 * cluster at kubeApiUrl like the real one (cluster-info, bootstrap token, CA
 * pin), and an active kubelet unit runs a process in the host that keeps its
 * Node registered. Needs root (namespaces, bind mounts).
 */
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir, userInfo } from "node:os";
import path from "node:path";
import { recordUsage } from "../usage.ts";
import { ensureMountTargets } from "./host-view.ts";
import { createNetns, destroyNetnsSync, MAX_NETNS_HOSTS, pickSubnet, relayTo } from "./netns.ts";
import { TestHost } from "./test-host.ts";

export type {
  Behaviour,
  ClockState,
  FakeCall,
  IptablesFamily,
  JoinState,
  RegisteredNode,
  UnitState,
} from "./fake-control.ts";
export { fingerprint, fingerprintOfBlob } from "./keys.ts";
export { connectionConfig, TestHost } from "./test-host.ts";

type PerHost<T> = T | T[];

export interface SshHostsOptions {
  count: number;
  /**
   * Kubernetes API (plain http) the fake kubeadm discovers and the fake kubelet registers with, e.g.
   * startKubeApiServer()'s url. Without one, `kubeadm join` fails as with an unreachable API server.
   */
  kubeApiUrl?: string;
  /** Sent as a bearer token when the test API server requires one. */
  kubeApiToken?: string;
  /** loopback: 127.0.0.2, .3 … on free ports. netns: own network namespace, 169.254.x.y port 22. */
  network?: "loopback" | "netns";
  /** Facts the fakes report, one value for all hosts or one per host. */
  memoryMiB?: PerHost<number>;
  cpus?: PerHost<number>;
  gpus?: PerHost<number>;
  kubeVersion?: string;
  /** Hostnames are `<prefix>-1`, `<prefix>-2` …; default "ksp-host". */
  namePrefix?: string;
}

export interface SshHosts {
  hosts: TestHost[];
  /** Kills every sshd and session, removes namespaces and temp dirs. Idempotent. */
  stop(): Promise<void>;
}

/** For `requireService("sshd", sshdUsable, …)`: the launcher needs the binary and root. */
export async function sshdUsable(): Promise<boolean> {
  return existsSync("/usr/sbin/sshd") && process.getuid?.() === 0;
}

const live = new Set<() => void>();
let exitHookInstalled = false;

function onExit(cleanup: () => void): void {
  live.add(cleanup);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const fn of live) fn();
  });
}

const pick = <T>(value: PerHost<T> | undefined, index: number, fallback: T): T =>
  Array.isArray(value) ? (value[index] ?? fallback) : (value ?? fallback);

function loopbackAddress(index: number): string {
  const n = index + 2; // 127.0.0.1 stays the machine's own.
  return `127.0.${Math.floor(n / 256)}.${n % 256}`;
}

export async function startSshHosts(opts: SshHostsOptions): Promise<SshHosts> {
  recordUsage("stand-in", "fake kubeadm/kubelet/systemctl/crictl/hostnamectl/timedatectl/iptables");
  const network = opts.network ?? "loopback";
  if (opts.count < 1 || opts.count > (network === "netns" ? MAX_NETNS_HOSTS : 250)) {
    throw new Error(`startSshHosts: count ${opts.count} out of range for ${network} mode`);
  }
  mkdirSync("/run/sshd", { recursive: true, mode: 0o755 }); // sshd's privilege-separation dir
  await ensureMountTargets();
  const base = await mkdtemp(path.join(tmpdir(), "ksp-ssh-hosts-"));
  const tag = path
    .basename(base)
    .slice(-6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "x");
  const hosts: TestHost[] = [];
  const netnsNames: string[] = [];
  const relays: { close(): void }[] = [];

  let stopped = false;
  const cleanupSync = () => {
    if (stopped) return;
    stopped = true;
    for (const host of hosts) host.killSync();
    for (const relay of relays) relay.close();
    for (const ns of netnsNames) destroyNetnsSync(ns);
    rmSync(base, { recursive: true, force: true });
    live.delete(cleanupSync);
  };
  onExit(cleanupSync);
  const stop = async () => {
    if (stopped) return;
    await Promise.all(hosts.map((h) => h.kill()));
    cleanupSync();
  };

  try {
    const subnet = network === "netns" ? await pickSubnet() : 0;
    // allSettled: on failure, stop() must not run while other hosts are still starting.
    const settled = await Promise.allSettled(
      Array.from({ length: opts.count }, async (_, i) => {
        let address = loopbackAddress(i);
        let netns: string | undefined;
        let kubeApiUrl = opts.kubeApiUrl;
        if (network === "netns") {
          const link = await createNetns(tag, i, subnet);
          netnsNames.push(link.netns);
          address = link.address;
          netns = link.netns;
          if (opts.kubeApiUrl) {
            const relay = await relayTo(new URL(opts.kubeApiUrl), link.localAddress);
            relays.push(relay);
            kubeApiUrl = relay.url;
          }
        }
        const name = `${opts.namePrefix ?? "ksp-host"}-${i + 1}`;
        const host = new TestHost({
          name,
          address,
          port: netns ? 22 : 0,
          username: userInfo().username,
          root: path.join(base, name),
          netns,
          fake: {
            hostName: name,
            address,
            kubeApiUrl,
            kubeApiToken: opts.kubeApiToken,
            cpus: pick(opts.cpus, i, 4),
            memoryMiB: pick(opts.memoryMiB, i, 8192),
            gpus: pick(opts.gpus, i, 0),
            kubeVersion: opts.kubeVersion ?? "v1.31.2",
          },
        });
        hosts.push(host);
        await host.init();
        return host;
      }),
    );
    const failed = settled.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return { hosts: settled.map((r) => (r as PromiseFulfilledResult<TestHost>).value), stop };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}
