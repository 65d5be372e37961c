#!/usr/bin/env node
/**
 * Fake systemctl over the per-host units.json: is-active, is-enabled, start,
 * stop, restart, enable/disable (--now), daemon-reload, status. Exit codes
 * follow systemctl: 3 for inactive, 1 for disabled, 5 for unknown units.
 * The kubelet unit also starts and stops the fake kubelet's process.
 */
import { setKubeletUnit } from "./kubelet-service.mjs";
import { readUnits, runFake, setUnit } from "./lib.mjs";

const out = (text) => process.stdout.write(`${text}\n`);
const unitName = (u) => u.replace(/\.service$/, "");

function known(unit, verb) {
  if (unitName(unit) in readUnits()) return true;
  process.stderr.write(
    `Failed to ${verb} ${unitName(unit)}.service: Unit ${unitName(unit)}.service not found.\n`,
  );
  return false;
}

function change(unit, state, verb) {
  if (unitName(unit) === "kubelet") setKubeletUnit(state, { restart: verb === "restart" });
  else setUnit(unitName(unit), state);
}

function query(units, quiet, field, yes, no, failCode) {
  const all = readUnits();
  let code = 0;
  for (const unit of units) {
    const state = all[unitName(unit)];
    const on = state?.[field] === true;
    if (!quiet) out(state ? (on ? yes : no) : field === "active" ? "inactive" : "not-found");
    if (!on) code = state || field === "active" ? failCode : 4;
  }
  return code;
}

await runFake("systemctl", async (args) => {
  const quiet = args.includes("-q") || args.includes("--quiet");
  const now = args.includes("--now");
  const [verb, ...units] = args.filter((a) => !a.startsWith("-"));
  switch (verb) {
    case "is-active":
      return query(units, quiet, "active", "active", "inactive", 3);
    case "is-enabled":
      return query(units, quiet, "enabled", "enabled", "disabled", 1);
    case "daemon-reload":
    case "reset-failed":
      return 0;
    case "start":
    case "restart":
    case "stop":
    case "enable":
    case "disable": {
      if (units.length === 0) {
        process.stderr.write("Too few arguments.\n");
        return 1;
      }
      for (const unit of units) {
        if (!known(unit, verb)) return 5;
        if (verb === "start" || verb === "restart") change(unit, { active: true }, verb);
        if (verb === "stop") change(unit, { active: false }, verb);
        if (verb === "enable") change(unit, now ? { enabled: true, active: true } : { enabled: true }, verb);
        if (verb === "disable")
          change(unit, now ? { enabled: false, active: false } : { enabled: false }, verb);
      }
      return 0;
    }
    case "status": {
      let code = 0;
      for (const unit of units) {
        const state = readUnits()[unitName(unit)];
        if (!state) {
          process.stderr.write(`Unit ${unitName(unit)}.service could not be found.\n`);
          code = 4;
          continue;
        }
        out(`● ${unitName(unit)}.service`);
        out(
          `     Loaded: loaded (/lib/systemd/system/${unitName(unit)}.service; ${state.enabled ? "enabled" : "disabled"})`,
        );
        out(`     Active: ${state.active ? "active (running)" : "inactive (dead)"}`);
        if (!state.active && code === 0) code = 3;
      }
      return code;
    }
    default:
      process.stderr.write(`Unknown command verb ${verb ?? ""}.\n`);
      return 1;
  }
});
