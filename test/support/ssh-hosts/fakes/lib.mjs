/**
 * Shared plumbing of the fake node binaries (kubeadm, kubelet, systemctl …).
 * They run inside a test host's private mount namespace, where
 * /var/log/ksp-fake is that host's own directory: config.json (written by the
 * launcher), calls.jsonl (one JSON line per call), faults/ (one-shot failures),
 * behaviours.json (delays), units.json (systemd unit state), node.json (the
 * join kubeadm made) and kubelet.pid (the running kubelet).
 */
import { appendFileSync, fstatSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";

export const FAKE_DIR = process.env.KSP_FAKE_DIR ?? "/var/log/ksp-fake";

const SECRET_FLAGS = new Set(["--token", "--discovery-token", "--tls-bootstrap-token", "--certificate-key"]);
// kubeadm bootstrap tokens ("abcdef.0123456789abcdef") wherever they appear.
const TOKEN_PATTERN = /\b[a-z0-9]{6}\.[a-z0-9]{16}\b/g;

export function readConfig() {
  try {
    return JSON.parse(readFileSync(`${FAKE_DIR}/config.json`, "utf8"));
  } catch {
    return {};
  }
}

/** Secret flag values and anything shaped like a bootstrap token become "***". */
export function maskArgv(argv) {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.indexOf("=");
    if (eq > 0 && SECRET_FLAGS.has(arg.slice(0, eq))) {
      out.push(`${arg.slice(0, eq)}=***`);
    } else if (SECRET_FLAGS.has(arg) && i + 1 < argv.length) {
      out.push(arg, "***");
      i++;
    } else {
      out.push(arg.replace(TOKEN_PATTERN, "***"));
    }
  }
  return out;
}

/**
 * Bytes of stdin that can be counted without blocking: a redirected regular
 * file has a size; a pipe or socket (an SSH channel) may never reach EOF, so
 * it is only counted when a command really consumes it (see readStdin).
 */
function stdinFileBytes() {
  try {
    const st = fstatSync(0);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

let stdinConsumed = 0;

/** Reads stdin to EOF, for commands that take input (`--config -`, prompts). */
export function readStdin() {
  const data = readFileSync(0);
  stdinConsumed += data.length;
  return data.toString("utf8");
}

/** Appends the call to calls.jsonl and returns a function recording its exit. */
export function startCall(command, args) {
  const started = Date.now();
  const entry = {
    command,
    argv: maskArgv([command, ...args]),
    ts: new Date(started).toISOString(),
    cwd: process.cwd(),
    pid: process.pid,
  };
  try {
    // a call is "running" from this line until its calls.jsonl line: tests act mid-command on it
    appendFileSync(`${FAKE_DIR}/started.jsonl`, `${JSON.stringify(entry)}\n`);
  } catch {
    // see below
  }
  return (exitCode) => {
    const record = {
      ...entry,
      stdinBytes: stdinConsumed || stdinFileBytes(),
      exitCode,
      durationMs: Date.now() - started,
    };
    try {
      appendFileSync(`${FAKE_DIR}/calls.jsonl`, `${JSON.stringify(record)}\n`);
    } catch {
      // A host whose log dir vanished (stop() racing a call) must not crash the fake.
    }
  };
}

/** "kubeadm join --config x" matches the rules "kubeadm", "kubeadm join" and "kubeadm join --config". */
function matches(rule, command, args) {
  const words = [command, ...args];
  const want = String(rule).trim().split(/\s+/);
  return want.every((w, i) => words[i] === w);
}

/** Claims the oldest one-shot fault matching this call; rename makes the claim atomic across processes. */
export function claimFault(command, args) {
  const dir = `${FAKE_DIR}/faults`;
  let names;
  try {
    names = readdirSync(dir)
      .filter((n) => n.endsWith(".json"))
      .sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    const path = `${dir}/${name}`;
    let fault;
    try {
      fault = JSON.parse(readFileSync(path, "utf8"));
    } catch {
      continue;
    }
    if (!matches(fault.match, command, args)) continue;
    try {
      renameSync(path, `${path}.used`);
      return fault;
    } catch {
      // Another concurrent call claimed it first.
    }
  }
  return undefined;
}

/** Persistent per-command behaviour, e.g. { "kubeadm join": { delayMs: 5000 } }. */
export function behaviourFor(command, args) {
  let all;
  try {
    all = JSON.parse(readFileSync(`${FAKE_DIR}/behaviours.json`, "utf8"));
  } catch {
    return {};
  }
  let best = {};
  let bestLength = -1;
  for (const [rule, behaviour] of Object.entries(all)) {
    const length = rule.trim().split(/\s+/).length;
    if (matches(rule, command, args) && length > bestLength) {
      best = behaviour;
      bestLength = length;
    }
  }
  return best;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a fake command: records the call, applies configured delays and
 * injected faults, then runs the emulation, which returns an exit code.
 */
export async function runFake(command, emulate) {
  const args = process.argv.slice(2);
  const finish = startCall(command, args);
  let code = 1;
  try {
    const behaviour = behaviourFor(command, args);
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    const fault = claimFault(command, args);
    if (fault) {
      if (fault.stdout) process.stdout.write(fault.stdout);
      if (fault.stderr) process.stderr.write(fault.stderr);
      code = fault.exitCode ?? 1;
    } else {
      code = await emulate(args);
    }
  } catch (err) {
    process.stderr.write(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    code = 1;
  }
  finish(code);
  process.exitCode = code;
}

// --- systemd unit state, shared by systemctl, kubeadm and kubelet ---

const DEFAULT_UNITS = {
  kubelet: { active: false, enabled: false },
  containerd: { active: true, enabled: true },
};

export function readUnits() {
  try {
    return { ...DEFAULT_UNITS, ...JSON.parse(readFileSync(`${FAKE_DIR}/units.json`, "utf8")) };
  } catch {
    return { ...DEFAULT_UNITS };
  }
}

export function writeUnits(units) {
  writeFileSync(`${FAKE_DIR}/units.json`, `${JSON.stringify(units, null, 2)}\n`);
}

export function setUnit(name, change) {
  const units = readUnits();
  units[name] = { ...(units[name] ?? { active: false, enabled: false }), ...change };
  writeUnits(units);
}
