import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { API_TYPES_PATH, generateApiTypes } from "../../../scripts/generate-api-client.ts";

describe("cli/generated/api-types.ts", () => {
  it("is what npm run gen:api-client makes of the app's /openapi.json today", async () => {
    const checkedIn = readFileSync(API_TYPES_PATH, "utf8");
    const fresh = await generateApiTypes();
    // On failure: run `npm run gen:api-client` and commit the result.
    expect(checkedIn === fresh, "cli/generated/api-types.ts is out of date: run npm run gen:api-client").toBe(
      true,
    );
    expect(fresh).toContain('"/v1/clusters/{clusterId}/pools/{poolId}"');
  }, 60_000);
});
