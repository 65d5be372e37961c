/**
 * Optional network isolation: each host gets its own network namespace joined
 * to this one by a veth pair carrying a test-only link-local /30
 * (169.254.<subnet>.<4i+1> here, .<4i+2> in the host). Link-local space is
 * never routed, and 169.254.169.0/24 (cloud metadata) is never used.
 */
import { execFile, execFileSync } from "node:child_process";
import net from "node:net";
import { promisify } from "node:util";

const run = promisify(execFile);
const ip = (...args: string[]) => run("ip", args);

export interface NetnsLink {
  netns: string;
  hostInterface: string;
  /** This side of the veth, reachable from inside the host. */
  localAddress: string;
  /** The host's own address. */
  address: string;
}

export const MAX_NETNS_HOSTS = 63;

/** A third octet whose 169.254.<x>.0/24 no interface here uses yet. */
export async function pickSubnet(): Promise<number> {
  const { stdout } = await ip("-4", "-o", "addr", "show");
  for (let attempt = 0; attempt < 50; attempt++) {
    const x = 100 + Math.floor(Math.random() * 60); // 100..159, clear of .169.
    if (!stdout.includes(`169.254.${x}.`)) return x;
  }
  throw new Error("no free 169.254.x.0/24 test subnet");
}

export async function createNetns(tag: string, index: number, subnet: number): Promise<NetnsLink> {
  const link: NetnsLink = {
    netns: `ksp-${tag}-${index}`,
    hostInterface: `k${tag}h${index}`.slice(0, 15),
    localAddress: `169.254.${subnet}.${4 * index + 1}`,
    address: `169.254.${subnet}.${4 * index + 2}`,
  };
  const ns = link.netns;
  await ip("netns", "add", ns);
  try {
    await ip("link", "add", link.hostInterface, "type", "veth", "peer", "name", "eth0", "netns", ns);
    await ip("addr", "add", `${link.localAddress}/30`, "dev", link.hostInterface);
    await ip("link", "set", link.hostInterface, "up");
    await ip("-n", ns, "addr", "add", `${link.address}/30`, "dev", "eth0");
    await ip("-n", ns, "link", "set", "eth0", "up");
    await ip("-n", ns, "link", "set", "lo", "up");
  } catch (err) {
    destroyNetnsSync(ns);
    throw err;
  }
  return link;
}

/** Deleting the namespace also removes both ends of its veth pair. */
export function destroyNetnsSync(netns: string): void {
  try {
    execFileSync("ip", ["netns", "del", netns], { stdio: "ignore" });
  } catch {
    // Already gone.
  }
}

/**
 * Hosts in a namespace cannot reach this namespace's 127.0.0.1, where the test
 * API server listens, so they get a TCP relay on their side of the veth.
 */
export async function relayTo(target: URL, listenAddress: string): Promise<{ url: string; close(): void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(Number(target.port || 80), target.hostname);
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.once("close", () => sockets.delete(s));
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, listenAddress, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  const url = new URL(target.href);
  url.hostname = listenAddress;
  url.port = String(port);
  return {
    url: url.href.replace(/\/$/, ""),
    close: () => {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
