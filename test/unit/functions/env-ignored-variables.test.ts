import { describe, expect, it } from "vitest";
import { ignoredVariables, parseNodeEnv, parseWorkerEnv } from "../../../functions/env.ts";

const queue = { send: async () => {}, sendBatch: async () => {} };
const workerBase = {
  DATABASE_URL: "postgres://u:p@db.example:5432/ksp",
  UPSTASH_REDIS_REST_URL: "https://redis.example",
  UPSTASH_REDIS_REST_TOKEN: "tok",
  JOBS_QUEUE: queue,
};

describe("variables a runtime ignores", () => {
  it("Node: our families and near misses of our names, never the rest of the shell", () => {
    const report = ignoredVariables(
      {
        PATH: "/usr/bin",
        HOME: "/root",
        HOSTNAME: "box",
        KSP_ADMIN_TOKNE: "ksp_adm_secretsecretsecret",
        DATABSE_URL: "postgres://x",
        NEON_WS_PROXY: "127.0.0.1:1/v1",
        KSP_WHATEVER: "1",
        UPSTASH_REDIS_REST_TOKEN: "known",
        LOG_LEVL: "debug",
      },
      "node",
    );
    expect(report).toEqual([
      "DATABSE_URL (unknown; did you mean DATABASE_URL?)",
      "KSP_ADMIN_TOKNE (unknown; did you mean KSP_ADMIN_TOKEN?)",
      "KSP_WHATEVER (unknown)",
      "LOG_LEVL (unknown; did you mean LOG_LEVEL?)",
      "NEON_WS_PROXY (read on Workers only)",
    ]);
    expect(report.join("\n")).not.toContain("secret");
  });

  it("Worker: every binding it does not know, and Node's settings by name", () => {
    expect(
      ignoredVariables(
        {
          ...workerBase,
          KSP_DATA_DIR: "/d",
          HOST: "0.0.0.0",
          MY_BINDING: {},
          KSP_SCHEDULER_INTERVAL_SECONDS: "5",
        },
        "worker",
      ),
    ).toEqual([
      "HOST (read on Node only)",
      "KSP_DATA_DIR (read on Node only)",
      "KSP_SCHEDULER_INTERVAL_SECONDS (read on Node only)",
      "MY_BINDING (unknown)",
    ]);
  });

  it("comes back with the settings only when there is something to say", () => {
    const quiet = parseNodeEnv({ PATH: "/usr/bin" });
    expect(quiet.ok && "ignoredVariables" in quiet.settings).toBe(false);
    const node = parseNodeEnv({ KSP_ADMN_TOKEN: "x" });
    expect(node.ok && node.settings.ignoredVariables).toEqual([
      "KSP_ADMN_TOKEN (unknown; did you mean KSP_ADMIN_TOKEN?)",
    ]);
    const worker = parseWorkerEnv({ ...workerBase, PORT: "1" });
    expect(worker.ok && worker.settings.ignoredVariables).toEqual(["PORT (read on Node only)"]);
  });

  it("the Worker reads KSP_ADMIN_TOKEN and checks its shape without echoing it", () => {
    const token = `ksp_adm_${"a".repeat(40)}`;
    const r = parseWorkerEnv({ ...workerBase, KSP_ADMIN_TOKEN: token });
    expect(r.ok && r.settings.adminToken).toBe(token);
    const bad = parseWorkerEnv({ ...workerBase, KSP_ADMIN_TOKEN: "hunter2hunter2" });
    expect(bad.ok).toBe(false);
    expect(bad.ok ? "" : bad.problems.join("\n")).toMatch(/^KSP_ADMIN_TOKEN: must be ksp_adm_/);
    expect(bad.ok ? "" : bad.problems.join("\n")).not.toContain("hunter2");
  });
});
