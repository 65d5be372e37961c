/**
 * The per-host firewall the fake iptables family works on: one ruleset file
 * per family (iptables.rules, ip6tables.rules) in iptables-save format, so
 * the machine's real netfilter is never read or changed.
 *
 * A ruleset is a list of tables; each has chains (name → policy, "-" for user
 * chains) in order, and rules ("-A CHAIN …" lines) in order.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { FAKE_DIR } from "./lib.mjs";

export const VERSION = "v1.8.9 (nf_tables)";

export const BUILTIN_CHAINS = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  raw: ["PREROUTING", "OUTPUT"],
  security: ["INPUT", "FORWARD", "OUTPUT"],
};

export class RulesetError extends Error {}

/** "iptables-nft-save" → { family: "iptables", verb: "save" }; undefined for names we do not answer to. */
export function parseName(name) {
  const m = /^(ip6?tables)(?:-(?:nft|legacy))?(?:-(save|restore))?$/.exec(name);
  return m ? { family: m[1], verb: m[2] ?? "" } : undefined;
}

export function emptyTable(name) {
  if (!(name in BUILTIN_CHAINS)) throw new RulesetError(`table '${name}' does not exist`);
  return { name, chains: new Map(BUILTIN_CHAINS[name].map((c) => [c, "ACCEPT"])), rules: [] };
}

const rulesFile = (family) => `${FAKE_DIR}/${family}.rules`;

/** Parses iptables-save text; throws RulesetError naming the line that is wrong. */
export function parseRuleset(text) {
  const tables = [];
  let table;
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    const fail = (why) => {
      throw new RulesetError(`line ${i + 1} failed${why ? `: ${why}` : ""}`);
    };
    if (line === "" || line.startsWith("#")) continue;
    if (line.startsWith("*")) {
      if (table) fail("table not committed");
      try {
        table = emptyTable(line.slice(1));
      } catch (err) {
        fail(err.message);
      }
      table.chains.clear();
    } else if (!table) {
      fail("not inside a table");
    } else if (line === "COMMIT") {
      for (const builtin of BUILTIN_CHAINS[table.name])
        if (!table.chains.has(builtin)) table.chains.set(builtin, "ACCEPT");
      tables.push(table);
      table = undefined;
    } else if (line.startsWith(":")) {
      const [name, policy] = line.slice(1).split(/\s+/);
      if (!name || !policy) fail("bad chain line");
      table.chains.set(name, policy);
    } else if (line.startsWith("-A ")) {
      const chain = line.split(/\s+/)[1];
      if (!table.chains.has(chain)) fail(`chain ${chain} does not exist`);
      table.rules.push(line.replace(/\s+/g, " "));
    } else {
      fail();
    }
  }
  if (table) throw new RulesetError(`line ${lines.length} failed: COMMIT expected`);
  return tables;
}

export function formatTable(table) {
  const chains = [...table.chains].map(([name, policy]) => `:${name} ${policy} [0:0]`);
  return [`*${table.name}`, ...chains, ...table.rules, "COMMIT"].join("\n");
}

export function readRuleset(family) {
  let text;
  try {
    text = readFileSync(rulesFile(family), "utf8");
  } catch {
    return [];
  }
  return parseRuleset(text);
}

export function writeRuleset(family, tables) {
  const file = rulesFile(family);
  const text = tables.map((t) => `${formatTable(t)}\n`).join("");
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/** The table from the ruleset, added (empty, builtin chains only) when the kernel would load it on use. */
export function tableOf(tables, name) {
  let table = tables.find((t) => t.name === name);
  if (!table) {
    table = emptyTable(name);
    tables.push(table);
  }
  return table;
}
