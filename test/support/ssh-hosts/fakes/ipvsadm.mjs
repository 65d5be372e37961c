#!/usr/bin/env node
/**
 * Fake ipvsadm over the host's own ipvs.rules (ipvsadm -S format), so a
 * reset clears the host's IPVS table, never the machine's: -S/--save (with
 * -n), -R/--restore from stdin, -C/--clear.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { FAKE_DIR, readStdin, runFake } from "./lib.mjs";

const FILE = `${FAKE_DIR}/ipvs.rules`;

function read() {
  try {
    return readFileSync(FILE, "utf8");
  } catch {
    return ""; // no virtual services yet
  }
}

function write(text) {
  writeFileSync(`${FILE}.tmp`, text);
  renameSync(`${FILE}.tmp`, FILE);
}

await runFake("ipvsadm", async (args) => {
  // Short options combine: "-Sn" is "-S -n".
  const flags = new Set(
    args.flatMap((a) => (/^-[A-Za-z]+$/.test(a) ? [...a.slice(1)].map((f) => `-${f}`) : [a])),
  );
  const has = (...names) => names.some((n) => flags.has(n));
  if (has("-v", "--version")) {
    process.stdout.write("ipvsadm v1.31 2019/12/24 (compiled with popt and IPVS v1.2.1)\n");
    return 0;
  }
  if (has("-S", "--save")) {
    process.stdout.write(read());
    return 0;
  }
  if (has("-C", "--clear")) {
    write("");
    return 0;
  }
  if (has("-R", "--restore")) {
    write(readStdin());
    return 0;
  }
  process.stderr.write("fake ipvsadm: only -S/--save, -R/--restore, -C/--clear and --version\n");
  return 2;
});
