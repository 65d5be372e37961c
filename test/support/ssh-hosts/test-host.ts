/**
 * One test machine: a real sshd with its own keys and filesystem view, plus
 * the controls tests use on its fakes (calls, faults, behaviours).
 */
import { mkdir, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { FakeControl } from "./fake-control.ts";
import { type FakeConfig, hostPath, prepareHostView } from "./host-view.ts";
import { fingerprint, generateKeyPair } from "./keys.ts";
import { SshdProcess, type SshdSpec } from "./sshd.ts";

export interface TestHostSpec {
  name: string;
  address: string;
  /** 0 picks a free port on the address. */
  port: number;
  username: string;
  root: string;
  netns?: string;
  fake: FakeConfig;
}

function freePort(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, address, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export class TestHost extends FakeControl {
  readonly name: string;
  readonly address: string;
  readonly username: string;
  /** Per-host state dir; `path("/etc/kubernetes")` is where the host's /etc/kubernetes lives. */
  readonly root: string;
  privateKey = "";
  publicKey = "";
  hostKeyPublic = "";
  hostKeyFingerprint = "";
  private sshd: SshdProcess | undefined;
  private currentPort: number;

  constructor(private readonly spec: TestHostSpec) {
    super(spec.root);
    this.name = spec.name;
    this.address = spec.address;
    this.username = spec.username;
    this.root = spec.root;
    this.currentPort = spec.port;
  }

  get port(): number {
    return this.currentPort;
  }

  /** Where the host's view of `target` (e.g. "/etc/kubernetes/kubelet.conf") is on this machine. */
  path(target: string): string {
    return hostPath(this.root, target);
  }

  get running(): boolean {
    return this.sshd !== undefined;
  }

  async init(): Promise<void> {
    const ssh = path.join(this.root, "ssh");
    await mkdir(ssh, { recursive: true });
    const [hostKey, clientKey] = await Promise.all([
      generateKeyPair(path.join(ssh, "host_ed25519"), this.name),
      generateKeyPair(path.join(ssh, "client_ed25519"), `ksp-test@${this.name}`),
      prepareHostView(this.root, this.spec.fake),
    ]);
    await writeFile(path.join(ssh, "authorized_keys"), `${clientKey.publicKey}\n`);
    this.privateKey = clientKey.privateKey;
    this.publicKey = clientKey.publicKey;
    this.hostKeyPublic = hostKey.publicKey;
    this.hostKeyFingerprint = fingerprint(hostKey.publicKey);
    await this.start();
  }

  /** Starts sshd; on a port race (loopback mode) retries on another free port. */
  private async start(): Promise<void> {
    const ssh = path.join(this.root, "ssh");
    for (let attempt = 1; ; attempt++) {
      if (this.currentPort === 0) this.currentPort = await freePort(this.address);
      const sshdSpec: SshdSpec = {
        root: this.root,
        hostName: this.name,
        address: this.address,
        port: this.currentPort,
        hostKeyPath: path.join(ssh, "host_ed25519"),
        authorizedKeysPath: path.join(ssh, "authorized_keys"),
        netns: this.spec.netns,
      };
      try {
        this.sshd = await SshdProcess.start(sshdSpec, path.join(ssh, "sshd_config"));
        return;
      } catch (err) {
        const portTaken = /Address already in use/.test(String(err));
        if (!portTaken || this.spec.port !== 0 || attempt >= 5) throw err;
        this.currentPort = 0;
      }
    }
  }

  /** Like pulling the plug: sshd, open sessions and every command they run die at once. */
  async kill(): Promise<void> {
    const sshd = this.sshd;
    this.sshd = undefined;
    await sshd?.kill();
  }

  killSync(): void {
    this.sshd?.killSync();
    this.sshd = undefined;
  }

  /** Boots the host again with the same keys, address, port and on-disk state. */
  async restart(): Promise<void> {
    await this.kill();
    await this.start();
  }

  get sshdConfigPath(): string {
    return path.join(this.root, "ssh", "sshd_config");
  }
}

/** What ssh2's `Client.connect` needs for this host. */
export function connectionConfig(host: TestHost): {
  host: string;
  port: number;
  username: string;
  privateKey: string;
} {
  return { host: host.address, port: host.port, username: host.username, privateKey: host.privateKey };
}
