/**
 * The import readers: RFC 4180 CSV (quotes, CRLF, BOM, blank lines), cell
 * conversion by field kind (labels, tags, numbers), JSON/YAML list shapes,
 * YAML alias bombs, IP canonical forms and Content-Type mapping.
 */
import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../../functions/lib/errors.ts";
import { fieldKindsOf } from "../../../../../functions/routes/v1/machine-imports/row-schema.ts";
import { parseCsv, readCsvRecords } from "../../../../../functions/services/machine-import/csv-records.ts";
import { parseLabelCell, rowsOfCsv } from "../../../../../functions/services/machine-import/csv-rows.ts";
import {
  importFormatOf,
  parseYaml,
  readRows,
} from "../../../../../functions/services/machine-import/rows.ts";
import { canonicalIp } from "../../../../../proto/machine-address.ts";

const Schema = z.strictObject({
  hostname: z.string().max(253),
  ip: z.union([z.ipv4(), z.ipv6()]),
  sshPort: z.int().min(1).max(65535).default(22),
  labels: z.record(z.string(), z.string()).optional(),
  tags: z.array(z.string()).optional(),
  taints: z.array(z.object({ key: z.string() })).optional(),
});
const kinds = fieldKindsOf(Schema);

function codeOf(work: () => unknown): string {
  try {
    work();
  } catch (err) {
    if (err instanceof AppError) return `${err.code}: ${err.message}`;
    throw err;
  }
  return "no error";
}

describe("CSV records", () => {
  it("reads quoted fields holding commas, doubled quotes and line breaks", () => {
    const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\nplain,,last\n';
    expect(readCsvRecords(text, 10)).toEqual([
      { line: 1, cells: ["a", "b", "c"] },
      { line: 2, cells: ["x, y", 'say "hi"', "two\nlines"] },
      { line: 4, cells: ["plain", "", "last"] },
    ]);
  });

  it("accepts CRLF, a BOM, blank lines and a missing final line break", () => {
    const text = "\uFEFFa,b\r\n\r\n1,2\r\n   \r\n3,4";
    expect(readCsvRecords(text, 10)).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 3, cells: ["1", "2"] },
      { line: 5, cells: ["3", "4"] },
    ]);
  });

  it("keeps a trailing empty cell and a quoted empty record", () => {
    expect(readCsvRecords('a,b,\n""\n', 10)).toEqual([
      { line: 1, cells: ["a", "b", ""] },
      { line: 2, cells: [""] },
    ]);
  });

  it("numbers records by line whatever the line ends, also across CRLF inside a quoted field", () => {
    expect(readCsvRecords('a,b\r\n"x\r\ny",1\r\nq,2\n\nr,3\rs,4', 10)).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 2, cells: ["x\r\ny", "1"] },
      { line: 4, cells: ["q", "2"] },
      { line: 6, cells: ["r", "3"] },
      { line: 7, cells: ["s", "4"] },
    ]);
  });

  it("takes spaces around a quoted field as alignment", () => {
    expect(readCsvRecords('a,b\n  "x, y" ,  z  \n', 10)).toEqual([
      { line: 1, cells: ["a", "b"] },
      { line: 2, cells: ["x, y", "z"] },
    ]);
  });

  it("names the line of an error after multi-byte text and multi-line fields", () => {
    expect(codeOf(() => readCsvRecords('é,b\nü,"x\ny",z"q\n', 10))).toMatch(/CSV line 3: a quote/);
    expect(codeOf(() => readCsvRecords('a\n"b\r\nc",x,"open\nmore', 10))).toMatch(
      /CSV line 3: a quoted field is never closed/,
    );
  });

  it("refuses what RFC 4180 forbids, naming the line", () => {
    expect(codeOf(() => readCsvRecords('a\nx"y\n', 10))).toMatch(/validation_failed: CSV line 2: a quote/);
    expect(codeOf(() => readCsvRecords('a\n"x"y\n', 10))).toMatch(/line 2: unexpected text after/);
    expect(codeOf(() => readCsvRecords('a\n\n"open\nstill', 10))).toMatch(/line 3: a quoted field is never/);
  });

  it("bounds the number of rows", () => {
    const text = `h\n${"x\n".repeat(6)}`;
    expect(parseCsv(text, 6).records).toHaveLength(6);
    expect(codeOf(() => parseCsv(text, 5))).toMatch(/more than 5 rows/);
  });

  it("needs a header", () => {
    expect(codeOf(() => parseCsv("\n\n", 5))).toMatch(/empty/);
  });
});

describe("CSV rows", () => {
  it("converts cells by the kind of their field; empty cells are not given", () => {
    const doc = parseCsv(
      "hostname,ip,sshPort,labels,tags\nh1,10.0.0.1,2222,env=prod;rack=r1,a;b;\nh2,10.0.0.2,,,\n",
      10,
    );
    expect(rowsOfCsv(doc, kinds)).toEqual([
      {
        row: 2,
        value: {
          hostname: "h1",
          ip: "10.0.0.1",
          sshPort: 2222,
          labels: { env: "prod", rack: "r1" },
          tags: ["a", "b"],
        },
        problems: [],
      },
      { row: 3, value: { hostname: "h2", ip: "10.0.0.2" }, problems: [] },
    ]);
  });

  it("reports bad label syntax, non-numbers, wrong cell counts and JSON-only fields per row", () => {
    const doc = parseCsv("hostname,ip,sshPort,labels,taints\nh1,10.0.0.1,22x,env,k\nh2,10.0.0.2\n", 10);
    const [first, second] = rowsOfCsv(doc, kinds);
    expect(first!.problems.map((p) => p.field)).toEqual(["sshPort", "labels", "taints"]);
    expect(first!.problems[1]!.message).toContain("k=v;k2=v2");
    expect(second!.problems).toEqual([{ field: "", message: "the row has 2 cells but the header has 5" }]);
  });

  it("refuses unknown and repeated columns for the whole file", () => {
    expect(codeOf(() => rowsOfCsv(parseCsv("hostname,ipaddr\n", 1), kinds))).toMatch(
      /unknown CSV column\(s\): ipaddr/,
    );
    expect(codeOf(() => rowsOfCsv(parseCsv("ip,ip\n", 1), kinds))).toMatch(/repeated CSV column/);
  });

  it("parses label cells strictly", () => {
    expect(parseLabelCell(" a = 1 ; b=2;")).toEqual({ a: "1", b: "2" });
    expect(parseLabelCell("a=1;a=2")).toMatch(/twice/);
    expect(parseLabelCell("=x")).toMatch(/not key=value/);
  });
});

describe("JSON and YAML documents", () => {
  it("takes a bare list or { machines: [...] }, numbering rows from 1", () => {
    const machines = [{ hostname: "a" }, { hostname: "b" }];
    for (const value of [machines, { machines }]) {
      expect(readRows({ format: "json", value }, kinds).map((r) => [r.row, r.value])).toEqual([
        [1, machines[0]],
        [2, machines[1]],
      ]);
    }
    const list = readRows({ format: "yaml", text: "- hostname: a\n- hostname: b\n" }, kinds);
    const object = readRows({ format: "yaml", text: "machines:\n  - hostname: a\n  - hostname: b\n" }, kinds);
    expect(list.map((r) => r.value)).toEqual(machines);
    expect(object.map((r) => r.value)).toEqual(machines);
  });

  it("refuses other shapes", () => {
    expect(codeOf(() => readRows({ format: "json", value: { hosts: [] } }, kinds))).toMatch(
      /list of machines/,
    );
    expect(codeOf(() => readRows({ format: "json", value: { machines: [], x: 1 } }, kinds))).toMatch(
      /unknown top-level/,
    );
    expect(codeOf(() => readRows({ format: "yaml", text: "" }, kinds))).toMatch(/list of machines/);
    expect(codeOf(() => readRows({ format: "yaml", text: "a: [1,\n" }, kinds))).toMatch(
      /validation_failed: YAML/,
    );
  });

  it("allows a few aliases but rejects an alias bomb quickly", () => {
    expect(parseYaml("base: &l {env: prod}\nmachines:\n  - labels: *l\n  - labels: *l\n")).toMatchObject({
      machines: [{ labels: { env: "prod" } }, { labels: { env: "prod" } }],
    });
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      ...["b", "c", "d", "e", "f", "g", "h", "i"].map(
        (name, i) =>
          `${name}: &${name} [${Array(9)
            .fill(`*${String.fromCharCode(97 + i)}`)
            .join(",")}]`,
      ),
      "machines: *i",
    ].join("\n");
    const started = performance.now();
    expect(codeOf(() => parseYaml(bomb))).toMatch(/validation_failed: YAML: .*alias/i);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe("IP canonical forms and media types", () => {
  it("spells equal addresses the same way", () => {
    expect(canonicalIp("2001:DB8:0:0::1")).toBe(canonicalIp("2001:db8::1"));
    expect(canonicalIp("1:0:0:1:0:0:0:1")).toBe("1:0:0:1::1");
    expect(canonicalIp("10.0.0.1")).toBe("10.0.0.1");
    expect(canonicalIp("1::2::3")).toBeNull();
    expect(canonicalIp("300.1.1.1")).toBeNull();
  });

  it("spells an IPv4-mapped IPv6 address as the IPv4 address it maps", () => {
    expect(canonicalIp("::ffff:10.0.0.1")).toBe("10.0.0.1");
    expect(canonicalIp("::FFFF:10.0.0.1")).toBe("10.0.0.1");
    expect(canonicalIp("::ffff:0a00:0001")).toBe("10.0.0.1");
    expect(canonicalIp("0:0:0:0:0:ffff:10.0.0.1")).toBe("10.0.0.1");
    // not mapped: other prefixes stay IPv6
    expect(canonicalIp("::10.0.0.1")).toBe("::a00:1");
    expect(canonicalIp("64:ff9b::10.0.0.1")).toBe("64:ff9b::a00:1");
  });

  it("refuses what is not a bare address", () => {
    expect(canonicalIp("010.0.0.1")).toBeNull();
    expect(canonicalIp("10.0.0")).toBeNull();
    expect(canonicalIp("fe80::1%eth0")).toBeNull();
    expect(canonicalIp("::1]/x[")).toBeNull();
    expect(canonicalIp("::1]:80")).toBeNull();
    expect(canonicalIp("2001:db8::/32")).toBeNull();
  });

  it("refuses an IPv4 tail that is not four decimal octets, as in a bare IPv4 address", () => {
    expect(canonicalIp("::ffff:010.0.0.1")).toBeNull();
    expect(canonicalIp("::ffff:0x0a.0.0.1")).toBeNull();
    expect(canonicalIp("1::1.2.3.04")).toBeNull();
    expect(canonicalIp("::ffff:10.0.0")).toBeNull();
    expect(canonicalIp("1:2:3:4:5:6:7:1.2.3.4")).toBeNull();
    expect(canonicalIp("1:2:3:4:5:6:1.2.3.4")).toBe("1:2:3:4:5:6:102:304");
  });

  it("maps Content-Types to formats", () => {
    expect(importFormatOf("application/json; charset=utf-8")).toBe("json");
    expect(importFormatOf("text/csv")).toBe("csv");
    expect(importFormatOf("Application/YAML")).toBe("yaml");
    expect(importFormatOf("text/yaml")).toBe("yaml");
    expect(importFormatOf("text/plain")).toBeNull();
    expect(importFormatOf(undefined)).toBeNull();
  });
});
