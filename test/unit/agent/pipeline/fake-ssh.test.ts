import { describe, expect, it } from "vitest";
import { SshError } from "../../../../agent/ssh/types.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import { target } from "../../../support/harness/pipeline-fixtures.ts";

const exec = { timeoutMs: 1_000 };

describe("FakeSshConnector", () => {
  it("replies by pattern (latest rule first, per host, limited times) and defaults to exit 0", async () => {
    const fake = new FakeSshConnector()
      .on("uname", { stdout: "Linux\n" })
      .on(/^uname -m$/, { stdout: "aarch64\n" }, { host: "10.0.0.2" })
      .on("false", { exitCode: 1 }, { times: 1 });
    const one = await fake.session(target("10.0.0.1"));
    const two = await fake.session(target("10.0.0.2"));
    expect((await one.exec("uname -m", exec)).stdout).toBe("Linux\n");
    expect((await two.exec("uname -m", exec)).stdout).toBe("aarch64\n");
    expect((await one.exec("false", exec)).exitCode).toBe(1);
    expect(await one.exec("false", exec)).toMatchObject({ exitCode: 0, timedOut: false, stdout: "" });
    one.release();
    two.release();
  });

  it("pools sessions per user@host:port and counts handshakes", async () => {
    const fake = new FakeSshConnector();
    const first = await fake.session(target("10.0.0.1"));
    first.release();
    const again = await fake.session(target("10.0.0.1"));
    const other = await fake.session(target("10.0.0.1", { username: "ops" }));
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(fake.handshakes()).toEqual(
      new Map([
        ["root@10.0.0.1:22", 1],
        ["ops@10.0.0.1:22", 1],
      ]),
    );
    expect(fake.sessionsOut).toBe(2);
    again.release();
    expect(() => again.release()).toThrow(/released twice/);
  });

  it("kills a session on a connection failure and fails connects by class", async () => {
    const fake = new FakeSshConnector().on("boom", { fail: "connection" }).failConnect("10.0.0.3", "auth");
    const session = await fake.session(target("10.0.0.1"));
    await expect(session.exec("boom", exec)).rejects.toMatchObject({
      errorClass: "connection",
      retryable: true,
    });
    await expect(session.exec("echo", exec)).rejects.toBeInstanceOf(SshError);
    session.release();
    await fake.session(target("10.0.0.1"));
    expect(fake.handshakes().get("root@10.0.0.1:22")).toBe(2);
    await expect(fake.session(target("10.0.0.3"))).rejects.toMatchObject({
      errorClass: "auth",
      retryable: false,
    });
  });

  it("verifies host keys and pins on first use", async () => {
    const fake = new FakeSshConnector().setFingerprint("10.0.0.1", "SHA256:real");
    await expect(fake.session(target("10.0.0.1"))).rejects.toMatchObject({ errorClass: "host-key" });
    const pinned: string[] = [];
    const session = await fake.session(target("10.0.0.1", { pinnedFingerprint: null }), {
      onPinned: (fp) => pinned.push(fp),
    });
    expect(pinned).toEqual(["SHA256:real"]);
    expect(session.hostFingerprint).toBe("SHA256:real");
  });

  it("times out, aborts, streams output, records uploads and measures in-flight execs", async () => {
    const fake = new FakeSshConnector()
      .on("slow", { latencyMs: 200 })
      .on("talk", { stdout: "hi", stderr: "oops" });
    const session = await fake.session(target("10.0.0.1"));
    expect(await session.exec("slow", { timeoutMs: 10 })).toMatchObject({ timedOut: true, exitCode: null });
    const controller = new AbortController();
    const aborted = session.exec("slow", { timeoutMs: 1_000, signal: controller.signal });
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    const chunks: string[] = [];
    await session.exec("talk", { ...exec, onStdout: (c) => chunks.push(c), onStderr: (c) => chunks.push(c) });
    expect(chunks).toEqual(["hi", "oops"]);
    await Promise.all([session.exec("a", exec), session.exec("b", exec)]);
    expect(fake.maxExecsInFlight).toBe(2);
    expect(fake.maxExecsPerMachine.get("10.0.0.1:22")).toBe(2);
    await session.upload("/etc/x", "data", { mode: 0o600, timeoutMs: 100 });
    expect(fake.uploads).toEqual([
      { address: "root@10.0.0.1:22", path: "/etc/x", content: "data", mode: 0o600 },
    ]);
    expect(fake.execs.map((e) => e.outcome)).toEqual(["timed-out", "aborted", "ok", "ok", "ok"]);
  });
});
