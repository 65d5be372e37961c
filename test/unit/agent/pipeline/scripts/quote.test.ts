import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { shq, ValidationError } from "../../../../../agent/pipeline/quote.ts";

const HOSTILE = [
  "$(touch pwned)",
  "`touch pwned`",
  "a; touch pwned",
  "a && touch pwned",
  "a | touch pwned",
  "line one\ntouch pwned",
  "it's quoted",
  "'; touch pwned; echo '",
  "\\'$(touch pwned)\\'",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion is the attack
  "${IFS}touch${IFS}pwned",
  "*",
  "-n",
  "",
  "ünïcødé ✓",
];

describe("shq", () => {
  it("single-quotes, closing and escaping embedded quotes", () => {
    expect(shq("plain")).toBe("'plain'");
    expect(shq("it's")).toBe(`'it'\\''s'`);
    expect(shq("")).toBe("''");
  });

  it("round-trips hostile strings through a real sh without running anything", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "ksp-shq-"));
    for (const value of HOSTILE) {
      const out = execFileSync("sh", ["-c", `printf '%s' ${shq(value)}`], { cwd: dir }).toString();
      expect(out).toBe(value);
    }
    expect(readdirSync(dir)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a NUL byte, naming the field", () => {
    const err = (() => {
      try {
        shq("a\0b", "labels");
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ field: "labels", errorClass: "precondition", retryable: false });
  });
});
