#!/usr/bin/env node
/**
 * Fake hostnamectl: the static hostname is the host's own /etc/hostname (a
 * per-host file), the transient one its kernel name, which lives in the
 * host's private UTS namespace. Knows status, hostname [NAME] and
 * set-hostname NAME with --static/--transient/--pretty.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import { arch, hostname, release } from "node:os";
import { FAKE_DIR, readConfig, runFake } from "./lib.mjs";

const out = (text) => process.stdout.write(`${text}\n`);
const PRETTY_FILE = `${FAKE_DIR}/pretty-hostname`;
const VALID = /^[A-Za-z0-9]([-A-Za-z0-9.]{0,62}[A-Za-z0-9])?$/;

const read = (file) => (existsSync(file) ? readFileSync(file, "utf8").split("\n")[0].trim() : "");

/**
 * Names only a host in its own namespaces, never the machine (whose UTS
 * namespace the launcher noted): outside them /etc/hostname is the real one.
 */
function insideTestHost() {
  const machine = readConfig().machineUtsNamespace;
  return Boolean(machine) && readlinkSync("/proc/self/ns/uts") !== machine;
}

function setKernelName(name) {
  const bin = ["/usr/bin/hostname", "/bin/hostname"].find((b) => existsSync(b));
  if (!bin) throw new Error("no hostname binary to set the kernel name with");
  execFileSync(bin, [name], { stdio: ["ignore", "ignore", "inherit"] });
}

function setHostname(name, which) {
  if (!insideTestHost()) {
    process.stderr.write(
      "fake hostnamectl: not inside a test host's namespaces; refusing to rename the machine\n",
    );
    return 1;
  }
  const all = !which.static && !which.transient && !which.pretty;
  if ((all || which.static || which.transient) && !VALID.test(name)) {
    process.stderr.write(`Could not set static hostname: Invalid static hostname '${name}'\n`);
    return 1;
  }
  // Written in place: /etc/hostname is a bind mount and cannot be renamed over.
  if (all || which.static) writeFileSync("/etc/hostname", `${name}\n`);
  if (all || which.transient) setKernelName(name);
  if (all || which.pretty) writeFileSync(PRETTY_FILE, `${name}\n`);
  return 0;
}

function status() {
  const staticName = read("/etc/hostname");
  out(` Static hostname: ${staticName || "(unset)"}`);
  if (hostname() !== staticName) out(`Transient hostname: ${hostname()}`);
  const pretty = read(PRETTY_FILE);
  if (pretty) out(` Pretty hostname: ${pretty}`);
  out("       Icon name: computer-vm\n         Chassis: vm");
  out(`          Kernel: Linux ${release()}\n    Architecture: ${arch() === "x64" ? "x86-64" : arch()}`);
  return 0;
}

await runFake("hostnamectl", async (args) => {
  const which = {
    static: args.includes("--static"),
    transient: args.includes("--transient"),
    pretty: args.includes("--pretty"),
  };
  const [verb, name] = args.filter((a) => !a.startsWith("-"));
  if (verb === "set-hostname" || (verb === "hostname" && name !== undefined)) {
    if (name === undefined) {
      process.stderr.write("Too few arguments.\n");
      return 1;
    }
    return setHostname(name, which);
  }
  if (verb === undefined || verb === "status" || verb === "hostname") {
    if (which.static) out(read("/etc/hostname"));
    else if (which.transient) out(hostname());
    else if (which.pretty) out(read(PRETTY_FILE));
    else if (verb === "hostname") out(hostname());
    else return status();
    return 0;
  }
  process.stderr.write(`Unknown command verb ${verb}.\n`);
  return 1;
});
