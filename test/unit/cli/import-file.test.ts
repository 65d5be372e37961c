import { describe, expect, it } from "vitest";
import { durationMs, timeArg } from "../../../cli/args.ts";
import { chunkImportFile, fileRowOf, formatOfFile, lineBreaks } from "../../../cli/import-file.ts";

describe("machine import files", () => {
  it("tells the format from the extension or --format", () => {
    expect(formatOfFile("a.CSV", undefined)).toBe("csv");
    expect(formatOfFile("a.yml", undefined)).toBe("yaml");
    expect(formatOfFile("a.txt", "json")).toBe("json");
    expect(() => formatOfFile("a.txt", undefined)).toThrow(/give --format csv\|json\|yaml/);
  });

  it("cuts CSV on record boundaries, header repeated, rows numbered by the file line they start on", () => {
    const text =
      "\uFEFFhostname,ip,labels\r\n" +
      "a,10.0.0.1,x=1\r\n" +
      "\r\n" +
      '"b\nmulti",10.0.0.2,\n' +
      "ç,10.0.0.3,\n" +
      "d,10.0.0.4";
    const chunks = chunkImportFile(text, "csv", 2, "f.csv");
    expect(chunks).toHaveLength(2);
    const [first, second] = chunks as [
      Extract<(typeof chunks)[number], { format: "csv" }>,
      Extract<(typeof chunks)[number], { format: "csv" }>,
    ];
    // Each chunk is the header and its records, as the file has them (line ends and all).
    expect(first.text).toBe('hostname,ip,labels\r\na,10.0.0.1,x=1\r\n"b\nmulti",10.0.0.2,\n');
    expect(first.rowNumbers).toEqual([2, 4]);
    expect(first.chunkLines).toEqual([2, 3]);
    expect(second.text).toBe("hostname,ip,labels\r\nç,10.0.0.3,\nd,10.0.0.4\n");
    expect(second.rowNumbers).toEqual([6, 7]);
    // The API numbers a chunk's rows by the chunk's lines; the report names the file's.
    expect(fileRowOf(first, 3)).toBe(4);
    expect(fileRowOf(second, 3)).toBe(7);
    expect(lineBreaks("a\r\nb\rc\nd")).toBe(3);
  });

  it("cuts JSON and YAML lists (bare or under machines:) and numbers rows by position", () => {
    const rows = [1, 2, 3].map((n) => ({ hostname: `h${n}`, ip: `10.0.0.${n}` }));
    const json = chunkImportFile(JSON.stringify({ machines: rows }), "json", 2, "f.json");
    expect(json).toEqual([
      { format: "json", rows: rows.slice(0, 2), rowNumbers: [1, 2] },
      { format: "json", rows: rows.slice(2), rowNumbers: [3] },
    ]);
    expect(fileRowOf(json[1]!, 1)).toBe(3);
    const yaml = chunkImportFile(
      "- {hostname: h1, ip: 10.0.0.1}\n- {hostname: h2, ip: 10.0.0.2}\n",
      "yaml",
      10,
      "f.yaml",
    );
    expect(yaml).toEqual([{ format: "json", rows: rows.slice(0, 2), rowNumbers: [1, 2] }]);
    expect(() => chunkImportFile('{"x":1}', "json", 10, "f.json")).toThrow(/expected a list of machines/);
    expect(() => chunkImportFile("[", "json", 10, "f.json")).toThrow(/not valid JSON/);
    expect(() => chunkImportFile("", "csv", 10, "f.csv")).toThrow(/needs a header row/);
  });
});

describe("durations and times", () => {
  it("reads durations and relative times", () => {
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("90")).toBe(90_000);
    expect(durationMs("5m")).toBe(300_000);
    expect(() => durationMs("soon")).toThrow(/must be a duration/);
    const now = Date.parse("2026-01-02T00:00:00Z");
    expect(timeArg("1d", now)).toBe("2026-01-01T00:00:00.000Z");
    expect(timeArg("2026-01-01T12:00:00+01:00", now)).toBe("2026-01-01T11:00:00.000Z");
    expect(() => timeArg("yesterday", now)).toThrow(/ISO time or a duration/);
  });
});
