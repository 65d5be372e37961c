/**
 * The process behind the fake kubelet unit, as systemd would run it: starting
 * the unit spawns kubelet-daemon.mjs detached (its own session, no stdio, so
 * the SSH channel that started it can close), stopping it kills the daemon
 * and waits until it is gone. The daemon's pid is in kubelet.pid; its argv
 * carries the host's id so a pid reused by anything else is never taken for it.
 */
import { spawn } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { FAKE_DIR, readConfig, readUnits, setUnit } from "./lib.mjs";

export const PID_FILE = `${FAKE_DIR}/kubelet.pid`;
const DAEMON = fileURLToPath(new URL("./kubelet-daemon.mjs", import.meta.url));

export const hostIdArg = (config = readConfig()) => `--ksp-host-id=${config.hostId ?? ""}`;

export function readPidFile() {
  try {
    return Number(readFileSync(PID_FILE, "utf8").trim()) || undefined;
  } catch {
    return undefined;
  }
}

/** Alive, not a zombie, and this host's daemon. */
function isDaemon(pid) {
  try {
    // The state is the field after the parenthesised command name.
    if (/\)\s+Z\s/.test(readFileSync(`/proc/${pid}/stat`, "utf8"))) return false;
    const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return argv.includes(DAEMON) && argv.includes(hostIdArg());
  } catch {
    return false;
  }
}

export function kubeletPid() {
  const pid = readPidFile();
  return pid !== undefined && isDaemon(pid) ? pid : undefined;
}

const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function spawnDaemon() {
  const child = spawn(process.execPath, [DAEMON, hostIdArg()], { detached: true, stdio: "ignore" });
  // Written before the daemon has loaded; a daemon that does not find its own pid here exits.
  writeFileSync(PID_FILE, `${child.pid}\n`);
  child.unref();
}

export function stopKubelet() {
  const pid = kubeletPid();
  rmSync(PID_FILE, { force: true });
  if (pid === undefined) return;
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return; // already gone
  }
  // systemctl stop returns once the process is gone: no request of it may land afterwards.
  for (let waited = 0; waited < 2000 && isDaemon(pid); waited += 10) pause(10);
}

/** Makes the daemon match the unit: running while active (restarted on request), gone while inactive. */
export function syncKubelet({ restart = false } = {}) {
  if (!readUnits().kubelet?.active) return stopKubelet();
  if (restart) stopKubelet();
  if (kubeletPid() === undefined) spawnDaemon();
}

/** Changes the kubelet unit (systemctl, kubeadm) and starts or stops its process to match. */
export function setKubeletUnit(change, options) {
  setUnit("kubelet", change);
  syncKubelet(options);
}
