import { describe, expect, it } from "vitest";
import { ControlPlaneError } from "../../../agent/control-plane/errors.ts";
import { AgentError } from "../../../agent/errors.ts";
import { DrainError, KubeError } from "../../../agent/kubernetes/kube-error.ts";
import { CommandError, PreconditionError } from "../../../agent/pipeline/errors.ts";
import { SshError } from "../../../agent/ssh/types.ts";
import { AppError } from "../../../functions/lib/errors.ts";
import { isKspError, KspError } from "../../../shared/errors.ts";

describe("KspError", () => {
  it("carries a code, a message, details and a cause", () => {
    const cause = new Error("socket closed");
    const err = new KspError("conflict", "version moved", { expected: 3 }, { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe("KspError");
    expect(err.code).toBe("conflict");
    expect(err.message).toBe("version moved");
    expect(err.details).toEqual({ expected: 3 });
    expect(err.cause).toBe(cause);
    expect(isKspError(err)).toBe(true);
  });

  it("has no cause property when given none, like a plain Error", () => {
    expect("cause" in new KspError("x", "m")).toBe(false);
    expect("cause" in new KspError("x", "m", undefined, { cause: undefined })).toBe(false);
    expect(new KspError("x", "m").details).toBeUndefined();
  });

  it("is not claimed by isKspError for other errors", () => {
    expect(isKspError(new Error("x"))).toBe(false);
    expect(isKspError({ code: "x", message: "m" })).toBe(false);
  });
});

describe("both sides' error classes extend KspError", () => {
  it("AppError (control plane)", () => {
    const err = new AppError("not_found", "no such pool", { pool: "p" });
    expect(err).toBeInstanceOf(KspError);
    expect([err.name, err.code, err.details]).toEqual(["AppError", "not_found", { pool: "p" }]);
  });

  it("AgentError", () => {
    const cause = new Error("c");
    const err = new AgentError("unavailable", "control plane down", undefined, { cause });
    expect(err).toBeInstanceOf(KspError);
    expect([err.name, err.code, err.cause]).toEqual(["AgentError", "unavailable", cause]);
  });

  it("ControlPlaneError, whose code is null when there was no envelope", () => {
    const refused = new ControlPlaneError({
      kind: "http",
      message: "no",
      status: 409,
      code: "pool_at_max",
      details: { max: 3 },
    });
    expect(refused).toBeInstanceOf(KspError);
    expect([refused.name, refused.code, refused.status, refused.details]).toEqual([
      "ControlPlaneError",
      "pool_at_max",
      409,
      { max: 3 },
    ]);
    const unreachable = new ControlPlaneError({ kind: "unreachable", message: "ECONNREFUSED" });
    expect([unreachable.code, unreachable.status, unreachable.retryable]).toEqual([null, null, true]);
  });

  it("SshError and the pipeline's errors, whose code is the error class", () => {
    const err = new SshError("auth", "denied");
    expect(err).toBeInstanceOf(KspError);
    expect([err.name, err.code, err.errorClass, err.retryable]).toEqual(["SshError", "auth", "auth", false]);
    expect(new SshError("timeout", "slow").retryable).toBe(true);
    const command = new CommandError("exit 2", 2);
    expect([command.code, command.errorClass, command.exitCode]).toEqual(["command", "command", 2]);
    expect(new PreconditionError("joined elsewhere")).toBeInstanceOf(KspError);
  });

  it("KubeError, whose code is the Status reason, else the HTTP status, else kube_error", () => {
    const notFound = new KubeError("gone", { status: 404, reason: "NotFound" });
    expect(notFound).toBeInstanceOf(KspError);
    expect([notFound.name, notFound.code, notFound.status, notFound.reason]).toEqual([
      "KubeError",
      "NotFound",
      404,
      "NotFound",
    ]);
    expect(new KubeError("teapot", { status: 418 }).code).toBe("http_418");
    expect(new KubeError("no server").code).toBe("kube_error");
  });

  it("DrainError, whose code is the failure", () => {
    const err = new DrainError("blocked", "PDB", ["ns/p"]);
    expect(err).toBeInstanceOf(KspError);
    expect([err.name, err.code, err.failure, err.pods]).toEqual([
      "DrainError",
      "blocked",
      "blocked",
      ["ns/p"],
    ]);
  });
});
