import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CONSOLE_SCHEMA_PATH, generateConsoleSchema } from "../../../scripts/generate-api-client.ts";

describe("console/src/api/schema.ts", () => {
  it("is what npm run gen:api-client makes of the app's /openapi.json today", async () => {
    const checkedIn = readFileSync(CONSOLE_SCHEMA_PATH, "utf8");
    const fresh = await generateConsoleSchema();
    // On failure: run `npm run gen:api-client` and commit the result.
    expect(checkedIn === fresh, "console/src/api/schema.ts is out of date: run npm run gen:api-client").toBe(
      true,
    );
    expect(fresh).toContain('"/v1/machines/import"');
  }, 60_000);
});
