/**
 * What the real machine's netfilter looks like, for tests that must prove
 * the test hosts' fake firewall tools never reached it. Read-only.
 */
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";

const DIRS = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"];

function dump(command: string, args: string[]): string {
  const bin = DIRS.map((d) => `${d}/${command}`).find((p) => existsSync(p));
  if (!bin) return `${command}: not installed`;
  try {
    const out = execFileSync(bin, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    // iptables-save stamps every table with the current time.
    return `${command}:\n${out.replace(/^# (Generated|Completed) .*\n/gm, "")}`;
  } catch (err) {
    return `${command}: failed (${(err as { status?: number }).status ?? "?"})`;
  }
}

/** iptables, ip6tables and IPVS rules of the machine, or why they cannot be read. */
export function machineNetfilter(): string {
  return [dump("iptables-save", []), dump("ip6tables-save", []), dump("ipvsadm", ["-Sn"])].join("\n");
}
