import { describe, expect, it } from "vitest";
import { cluster, machine, pool } from "../../support/cli/fixtures.ts";
import { errorAnswer, jsonAnswer, stubControlPlane } from "../../support/cli/harness.ts";

const notFound = () => errorAnswer(404, "not_found", "no route");

describe("ksp cluster get|update", () => {
  it("gets a cluster by name with the token, and prints its fields", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, cluster));
    const result = await cp.ksp(["cluster", "get", "demo"]);
    expect(cp.seen).toEqual([
      {
        method: "GET",
        path: "/v1/clusters/demo",
        authorization: "Bearer ksp_api_testtoken0",
        contentType: null,
        body: undefined,
      },
    ]);
    expect([result.code, result.stderr]).toEqual([0, ""]);
    const lines = result.stdout.split("\n");
    expect(lines).toEqual(
      expect.arrayContaining([
        "Name:               demo",
        `ID:                 ${cluster.id}`,
        "Labels:             env=prod",
        "Machines:           3 (ready 2, joining 1)",
        "Ready capacity:     2 machines, 16 cores, 64 GiB",
        "Nodes:              3/4 ready",
      ]),
    );
  });

  it("prints the API's JSON with -o json", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, cluster));
    const result = await cp.ksp(["-o", "json", "cluster", "get", cluster.id]);
    expect(cp.seen[0]?.path).toBe(`/v1/clusters/${cluster.id}`);
    expect([result.code, JSON.parse(result.stdout)]).toEqual([0, cluster]);
  });

  it("percent-encodes a name in the URL path, so it stays one segment", async () => {
    const cp = stubControlPlane(notFound);
    await cp.ksp(["cluster", "get", "a b?c#d/e%f"]);
    expect(cp.seen.map((request) => request.path)).toEqual(["/v1/clusters/a%20b%3Fc%23d%2Fe%25f"]);
  });

  it("refuses names that would address another path (empty, '.', '..') without asking the API", async () => {
    const cp = stubControlPlane(notFound);
    for (const name of ["", ".", ".."]) {
      const result = await cp.ksp(["cluster", "get", name]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^error: the cluster (must not be empty|"\.{1,2}" is not a name)\n/);
    }
    expect(cp.seen).toEqual([]);
  });

  it("updates by name: --set values are JSON when they parse, --set-string values stay text", async () => {
    const cp = stubControlPlane((request) => jsonAnswer(200, { ...cluster, ...(request.body as object) }));
    const result = await cp.ksp([
      "cluster",
      "update",
      "demo",
      "--set",
      'labels={"env":"staging","team":"ml"}',
      "--set-string",
      "description=42",
    ]);
    expect(cp.seen).toEqual([
      {
        method: "PATCH",
        path: "/v1/clusters/demo",
        authorization: "Bearer ksp_api_testtoken0",
        contentType: "application/json",
        body: { labels: { env: "staging", team: "ml" }, description: "42" },
      },
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("Labels:             env=staging,team=ml\n");
    expect(result.stdout).toContain("Description:        42\n");
  });

  it("rejects a bad update line with exit 2 and sends nothing", async () => {
    const cp = stubControlPlane(notFound);
    const cases: [string[], string][] = [
      [["cluster", "update", "demo"], "error: nothing to change: give --set KEY=VALUE"],
      [
        ["cluster", "update", "demo", "--set", "size=3"],
        'error: --set: unknown field "size"; fields: description, labels',
      ],
      [
        ["cluster", "update", "demo", "--set", "description"],
        'error: --set: expected KEY=VALUE, got "description"',
      ],
      [
        ["cluster", "update", "demo", "--set", "description=a", "--set-string", "description=b"],
        'error: --set-string: "description" is given twice',
      ],
      [["cluster", "update", "--set", "description=a"], "error: missing required argument 'cluster'"],
      [
        ["cluster", "update", "demo", "extra", "--set", "description=a"],
        "error: too many arguments for 'update'. Expected 1 argument but got 2.",
      ],
    ];
    for (const [argv, line] of cases) {
      const result = await cp.ksp(argv);
      expect([result.code, result.stderr.split("\n")[0]]).toEqual([2, line]);
    }
    expect(cp.seen).toEqual([]);
  });

  it("refuses a flag another command takes", async () => {
    const cp = stubControlPlane(notFound);
    const result = await cp.ksp(["cluster", "get", "demo", "--set", "description=x"]);
    expect([result.code, result.stderr.split("\n")[0]]).toEqual([2, "error: unknown option '--set'"]);
    expect(cp.seen).toEqual([]);
  });
});

describe("ksp pool get|update", () => {
  it("takes <cluster>/<pool> or --cluster <cluster> <pool>, each part its own path segment", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, pool));
    const slash = await cp.ksp(["pool", "get", "demo/workers"]);
    const flag = await cp.ksp(["pool", "get", "--cluster", "demo", "workers"]);
    const encoded = await cp.ksp(["pool", "get", "--cluster", "my cluster", "work?ers"]);
    expect([slash.code, flag.code, encoded.code]).toEqual([0, 0, 0]);
    expect(cp.seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /v1/clusters/demo/pools/workers",
      "GET /v1/clusters/demo/pools/workers",
      "GET /v1/clusters/my%20cluster/pools/work%3Fers",
    ]);
    expect(slash.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "Name:          workers",
        "Size:          min 1, max 5",
        "Node labels:   gpu=a100",
        "Node taints:   gpu=true:NoSchedule",
        "Capacity:      cpu 8000m, memory 32 GiB, pods 110",
        "Hooks:         postJoinHook",
      ]),
    );
  });

  it("refuses a pool reference it cannot place under a cluster", async () => {
    const cp = stubControlPlane(notFound);
    const cases: [string[], string][] = [
      [
        ["pool", "get", "workers"],
        'error: give the pool as <cluster>/<pool> (or --cluster <cluster> <pool>), not "workers"',
      ],
      [
        ["pool", "get", "a/b/c"],
        'error: give the pool as <cluster>/<pool> (or --cluster <cluster> <pool>), not "a/b/c"',
      ],
      [
        ["pool", "get", "--cluster", "demo", "demo/workers"],
        "error: give the pool as <cluster>/<pool> or --cluster, not both",
      ],
      [["pool", "get", "demo/"], "error: the pool must not be empty"],
      [["pool", "get", "../workers"], 'error: the cluster ".." is not a name'],
      [["pool", "get"], "error: missing required argument 'pool'"],
    ];
    for (const [argv, line] of cases) {
      const result = await cp.ksp(argv);
      expect([result.code, result.stderr.split("\n")[0]]).toEqual([2, line]);
    }
    expect(cp.seen).toEqual([]);
  });

  it("updates a pool's size and node labels by name and prints the answer as JSON", async () => {
    const updated = { ...pool, minSize: 2, maxSize: 8, templateLabels: { gpu: "h100" } };
    const cp = stubControlPlane(() => jsonAnswer(200, updated));
    const result = await cp.ksp([
      "pool",
      "update",
      "demo/workers",
      "--set",
      "minSize=2",
      "--set",
      "maxSize=8",
      "--set",
      'templateLabels={"gpu":"h100"}',
      "--set",
      "autoscalingEnabled=true",
      "--set",
      "gpuType=null",
      "-o",
      "json",
    ]);
    expect(cp.seen.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      {
        method: "PATCH",
        path: "/v1/clusters/demo/pools/workers",
        body: {
          minSize: 2,
          maxSize: 8,
          templateLabels: { gpu: "h100" },
          autoscalingEnabled: true,
          gpuType: null,
        },
      },
    ]);
    expect([result.code, JSON.parse(result.stdout)]).toEqual([0, updated]);
  });
});

describe("ksp machine get|update", () => {
  it("gets a machine by host name and prints its fields", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, machine));
    const result = await cp.ksp(["machine", "get", "node-17.example.net"]);
    expect(cp.seen.map((request) => `${request.method} ${request.path}`)).toEqual([
      "GET /v1/machines/node-17.example.net",
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout.split("\n")).toEqual(
      expect.arrayContaining([
        "Hostname:        node-17.example.net",
        "Status:          ready",
        "SSH:             ksp@10.0.4.17:22 key ksp-ssh/id_ed25519",
        "Hardware:        8 cores, 32 GiB",
        "Location:        eu/-/r4",
        "Tags:            batch-7",
        "Version:         4",
      ]),
    );
  });

  it("updates a machine with a version guard", async () => {
    const cp = stubControlPlane(() => jsonAnswer(200, { ...machine, zone: "eu-1a", version: 5 }));
    const result = await cp.ksp([
      "machine",
      "update",
      "node-17.example.net",
      "--set",
      "zone=eu-1a",
      "--set",
      "expectedVersion=4",
      "--set",
      'tags=["batch-7","gpu"]',
    ]);
    expect(cp.seen.map(({ method, path, body }) => ({ method, path, body }))).toEqual([
      {
        method: "PATCH",
        path: "/v1/machines/node-17.example.net",
        body: { zone: "eu-1a", expectedVersion: 4, tags: ["batch-7", "gpu"] },
      },
    ]);
    expect([result.code, result.stdout]).toEqual([
      0,
      expect.stringContaining("Location:        eu/eu-1a/r4\n"),
    ]);
  });
});

describe("ksp errors from the API", () => {
  it("prints an ambiguous name's 409 with its candidates, and exits 4 (conflict)", async () => {
    const cp = stubControlPlane(() =>
      errorAnswer(409, "conflict", "machine name node-1 is ambiguous: name it by id", {
        machine: "node-1",
        candidates: [
          { id: "11111111-1111-4111-8111-111111111111", name: "node-1", ip: "10.0.0.1", clusterId: null },
          { id: "22222222-2222-4222-8222-222222222222", name: "node-1", ip: "10.0.0.2", clusterId: "c-2" },
        ],
        truncated: false,
      }),
    );
    const result = await cp.ksp(["machine", "get", "node-1"]);
    expect(result).toEqual({
      code: 4,
      stdout: "",
      stderr: [
        "error: conflict: machine name node-1 is ambiguous: name it by id (request req-7)",
        "candidates:",
        "ID                                    NAME    IP        CLUSTER ID",
        "11111111-1111-4111-8111-111111111111  node-1  10.0.0.1",
        "22222222-2222-4222-8222-222222222222  node-1  10.0.0.2  c-2",
        "",
      ].join("\n"),
    });
  });

  it("says when the API listed only some of the candidates", async () => {
    const cp = stubControlPlane(() =>
      errorAnswer(409, "conflict", "pool name workers is ambiguous", {
        candidates: [{ id: "p1", name: "a/workers" }],
        truncated: true,
      }),
    );
    const result = await cp.ksp(["pool", "update", "a/workers", "--set", "minSize=1"]);
    expect(result.code).toBe(4);
    expect(result.stderr.split("\n").slice(1)).toEqual([
      "candidates:",
      "ID  NAME",
      "p1  a/workers",
      "(more match; only these are listed)",
      "",
    ]);
  });

  it("prints other errors as one line, with the request's method and path when there is no envelope", async () => {
    const cp = stubControlPlane((request) =>
      request.method === "GET"
        ? errorAnswer(404, "not_found", "cluster nope not found")
        : { status: 502, statusText: "Bad Gateway", body: "<html>bad gateway</html>" },
    );
    const missing = await cp.ksp(["cluster", "get", "nope"]);
    expect(missing).toEqual({
      code: 3,
      stdout: "",
      stderr: "error: not_found: cluster nope not found (request req-7)\n",
    });
    const gateway = await cp.ksp(["cluster", "update", "my demo", "--set", "description=x"]);
    expect([gateway.code, gateway.stderr]).toEqual([
      1,
      "error: PATCH /v1/clusters/my%20demo answered HTTP 502 Bad Gateway\n",
    ]);
  });
});

describe("ksp command words and help", () => {
  it("lists every command family and the exit codes in the usage", async () => {
    const cp = stubControlPlane(notFound);
    const help = await cp.ksp(["--help"]);
    expect(help.code).toBe(0);
    for (const family of [
      "login",
      "config",
      "whoami",
      "cluster",
      "pool",
      "machine",
      "token",
      "event",
      "audit",
      "status",
      "completion",
    ]) {
      expect(help.stdout).toMatch(new RegExp(`\\n  ${family}\\b`));
    }
    expect(help.stdout).toContain("Exit codes:\n  0  success\n  1  failure");
    expect(help.stdout).toContain("  6  control plane unreachable");
  });

  it("shows a command's fields with --help, and names the verbs a noun takes", async () => {
    const cp = stubControlPlane(notFound);
    const help = await cp.ksp(["pool", "update", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: ksp pool update \[options\] <pool>\n/);
    expect(help.stdout).toContain("minSize, maxSize, autoscalingEnabled, templateLabels");
    expect(help.stdout).toContain("--cluster <cluster>");
    const bare = await cp.ksp(["cluster"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage: ksp cluster [options] [command]");
    for (const verb of ["list", "get", "create", "update", "delete", "rotate-token"]) {
      expect(bare.stderr).toMatch(new RegExp(`\\n  ${verb}\\b`));
    }
    const verb = await cp.ksp(["machine", "frob", "x"]);
    expect([verb.code, verb.stderr.split("\n")[0]]).toEqual([2, "error: unknown command 'frob'"]);
    expect(cp.seen).toEqual([]);
  });
});
