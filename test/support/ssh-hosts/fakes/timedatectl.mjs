#!/usr/bin/env node
/**
 * Fake timedatectl over the host's clock.json ({ ntp, synchronized }, both
 * true until a test says otherwise through FakeControl.setClock): status,
 * show [-p NAME]… [--value], set-ntp. It never changes the real clock.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { FAKE_DIR, runFake } from "./lib.mjs";

const FILE = `${FAKE_DIR}/clock.json`;
const out = (text) => process.stdout.write(`${text}\n`);
const yesNo = (b) => (b ? "yes" : "no");

function readClock() {
  try {
    return { ntp: true, synchronized: true, ...JSON.parse(readFileSync(FILE, "utf8")) };
  } catch {
    return { ntp: true, synchronized: true };
  }
}

function properties(clock) {
  return {
    Timezone: "Etc/UTC",
    LocalRTC: "no",
    CanNTP: "yes",
    NTP: yesNo(clock.ntp),
    NTPSynchronized: yesNo(clock.synchronized),
    TimeUSec: new Date().toUTCString(),
    RTCTimeUSec: "n/a",
  };
}

/** `-p A -p B`, `-pA`, `--property=A,B`: the names asked for, or undefined for all. */
function wanted(args) {
  const names = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "-p" || a === "--property") names.push(...(args[++i] ?? "").split(","));
    else if (a.startsWith("--property=")) names.push(...a.slice("--property=".length).split(","));
    else if (/^-p./.test(a)) names.push(...a.slice(2).split(","));
  }
  return names.length > 0 ? names : undefined;
}

await runFake("timedatectl", async (args) => {
  const clock = readClock();
  const verb = args.find((a, i) => !a.startsWith("-") && !["-p", "--property"].includes(args[i - 1]));
  switch (verb) {
    case undefined:
    case "status": {
      const now = new Date().toUTCString();
      out(
        `               Local time: ${now}\n           Universal time: ${now}\n                 RTC time: n/a`,
      );
      out("                Time zone: Etc/UTC (UTC, +0000)");
      out(`System clock synchronized: ${yesNo(clock.synchronized)}`);
      out(`              NTP service: ${clock.ntp ? "active" : "inactive"}\n          RTC in local TZ: no`);
      return 0;
    }
    case "show": {
      const all = properties(clock);
      for (const name of wanted(args) ?? Object.keys(all)) {
        if (!(name in all)) continue; // systemd skips unknown properties too
        out(args.includes("--value") ? all[name] : `${name}=${all[name]}`);
      }
      return 0;
    }
    case "set-ntp": {
      const on = args[args.indexOf("set-ntp") + 1];
      if (!["true", "false", "yes", "no", "1", "0", "on", "off"].includes(on)) {
        process.stderr.write(`Failed to parse NTP setting '${on ?? ""}'.\n`);
        return 1;
      }
      const ntp = ["true", "yes", "1", "on"].includes(on);
      writeFileSync(FILE, JSON.stringify({ ...clock, ntp, synchronized: ntp }));
      return 0;
    }
    default:
      process.stderr.write(`Unknown command verb ${verb}.\n`);
      return 1;
  }
});
