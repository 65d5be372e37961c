import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { scopedSelf } from "../../support/cli/fixtures.ts";
import { errorAnswer, jsonAnswer, stubControlPlane } from "../../support/cli/harness.ts";

describe("ksp whoami", () => {
  it("reads the token itself and prints its name, role and scope (never the token)", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, scopedSelf));
    const result = await cp.ksp(["whoami"]);
    expect(cp.seen.map((r) => [r.method, r.path, r.authorization])).toEqual([
      ["GET", "/v1/tokens/self", "Bearer ksp_api_testtoken0"],
    ]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    expect(result.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "Name:           ci-deployer",
        "Role:           operator",
        "Scope:          cluster demo",
        `Token ID:       ${scopedSelf.id}`,
        "Expires:        never",
      ]),
    );
    expect(result.stdout).not.toContain("ksp_api_testtoken0");
  });

  it("says 'all clusters' for an unscoped token", async () => {
    const cp = stubControlPlane(() =>
      jsonAnswer(200, { ...scopedSelf, role: "admin", clusterId: null, clusterName: null }),
    );
    const result = await cp.ksp(["whoami"]);
    expect(result.stdout).toMatch(/^Scope: +all clusters$/m);
    expect(result.stdout).toMatch(/^Cluster ID: +<none>$/m);
  });

  it("prints the API's object with -o json and -o yaml, and token/<id> with -o name", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, scopedSelf));
    const json = await cp.ksp(["whoami", "-o", "json"]);
    expect([json.code, JSON.parse(json.stdout)]).toEqual([0, scopedSelf]);
    const yaml = await cp.ksp(["whoami", "-o", "yaml"]);
    expect([yaml.code, parseYaml(yaml.stdout)]).toEqual([0, scopedSelf]);
    const name = await cp.ksp(["whoami", "-o", "name"]);
    expect([name.code, name.stdout]).toEqual([0, `token/${scopedSelf.id}\n`]);
  });

  it("exits 5 with the API's message when the token is refused", async () => {
    const cp = stubControlPlane(() => errorAnswer(401, "unauthorized", "the bearer token is missing"));
    const result = await cp.ksp(["whoami"]);
    expect(result.code).toBe(5);
    expect(result.stderr).toMatch(/^error: unauthorized: the bearer token is missing/);
  });
});
