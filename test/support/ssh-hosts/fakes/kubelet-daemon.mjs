#!/usr/bin/env node
/**
 * The long-running fake kubelet (started by kubelet-service.mjs). Once the
 * node has joined (kubelet.conf exists) it keeps the host's Node registered:
 * one GET a second, and a Node deleted from the API server is created again,
 * as a real kubelet re-registers. It never touches an existing Node, so tests
 * may mark it NotReady or cordon it.
 *
 * It exits when it is no longer the unit's process (pid file), the unit is
 * inactive, or the host is gone: its state dir removed, or its sshd dead for
 * a few seconds (the test process was killed and nothing cleaned up).
 */
import { existsSync, readFileSync } from "node:fs";
import { apiOf, request } from "./kube-http.mjs";
import { readPidFile } from "./kubelet-service.mjs";
import { FAKE_DIR, readConfig, readUnits } from "./lib.mjs";
import { nodeObject, registerNode } from "./register-node.mjs";

const POLL_MS = 1000;
const SSHD_GRACE_POLLS = 3;
const KUBELET_CONF = "/etc/kubernetes/kubelet.conf";
const JOIN_STATE = `${FAKE_DIR}/node.json`;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

let sshdMissing = 0;

/** The host's sshd is its power: at boot the pid file briefly names the previous, dead, sshd. */
function hostUp(config) {
  if (!config.sshdPidFile) return true;
  let pid;
  try {
    pid = Number(readFileSync(config.sshdPidFile, "utf8").trim());
  } catch {
    pid = 0;
  }
  sshdMissing = pid > 0 && alive(pid) ? 0 : sshdMissing + 1;
  return sshdMissing < SSHD_GRACE_POLLS;
}

function shouldRun() {
  const config = readConfig();
  if (!config.hostName) return false; // state dir gone
  return readPidFile() === process.pid && readUnits().kubelet?.active === true && hostUp(config);
}

async function keepRegistered() {
  if (!existsSync(KUBELET_CONF) || !existsSync(JOIN_STATE)) return;
  const config = readConfig();
  const api = apiOf(config);
  if (!api) return;
  const join = JSON.parse(readFileSync(JOIN_STATE, "utf8"));
  const res = await request(api, "GET", `/api/v1/nodes/${encodeURIComponent(join.name)}`);
  if (res.status === 404) await registerNode(api, nodeObject(join, config));
}

for (;;) {
  if (!shouldRun()) process.exit(0);
  try {
    await keepRegistered();
  } catch {
    // API server down or the Node racing a delete: a kubelet retries on its next sync.
  }
  await sleep(POLL_MS);
}
