#!/usr/bin/env node
/**
 * What systemd does when the host boots (TestHost.restart): every unit comes
 * up as it is enabled, whatever it was when the host went down, and an
 * enabled kubelet gets its process again. Run inside the host's namespaces,
 * before sshd.
 */
import { syncKubelet } from "./kubelet-service.mjs";
import { readUnits, writeUnits } from "./lib.mjs";

const units = readUnits();
const booted = Object.fromEntries(
  Object.entries(units).map(([name, u]) => [name, { ...u, active: u.enabled }]),
);
if (JSON.stringify(booted) !== JSON.stringify(units)) writeUnits(booted);
syncKubelet();
