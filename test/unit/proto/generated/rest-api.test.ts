import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { generateRestApiTypes, REST_API_TYPES_PATH } from "../../../../scripts/generate-api-client.ts";

describe("proto/generated/rest-api.ts", () => {
  it("is what npm run gen:api-client makes of the app's /openapi.json today", async () => {
    const checkedIn = readFileSync(REST_API_TYPES_PATH, "utf8");
    const fresh = await generateRestApiTypes();
    // On failure: run `npm run gen:api-client` and commit the result.
    expect(
      checkedIn === fresh,
      "proto/generated/rest-api.ts is out of date: run npm run gen:api-client",
    ).toBe(true);
    // the routes the CLI and the console both call
    expect(fresh).toContain('"/v1/clusters/{clusterId}/pools/{poolId}"');
    expect(fresh).toContain('"/v1/machines/import"');
  }, 60_000);
});
