import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SshConnector } from "../../../../agent/ssh/types.ts";
import { capturingLogger, connector, keyOf, targetFor, waitFor } from "../../../support/harness/ssh.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

describe.skipIf(!ok)("ssh connection pool", () => {
  let run: SshHosts;
  const opened: SshConnector[] = [];
  const make = (overrides: Parameters<typeof connector>[0] = {}) => {
    const ssh = connector(overrides);
    opened.push(ssh);
    return ssh;
  };

  beforeAll(async () => {
    run = await startSshHosts({ count: 3, namePrefix: "pool" });
  });
  afterAll(async () => {
    await Promise.all(opened.map((c) => c.close()));
    await run?.stop();
  });

  it("reuses one connection for many sequential sessions (one handshake)", async () => {
    const ssh = make();
    const host = run.hosts[0]!;
    for (let i = 0; i < 6; i++) {
      const session = await ssh.session(targetFor(host));
      expect((await session.exec(`echo ${i}`, { timeoutMs: 5_000 })).stdout).toBe(`${i}\n`);
      session.release();
    }
    expect(ssh.handshakes()).toEqual(new Map([[keyOf(host), 1]]));
  });

  it("keys the pool by user@host:port: each host gets its own connection", async () => {
    const ssh = make();
    for (const host of run.hosts) (await ssh.session(targetFor(host))).release();
    for (const host of run.hosts) (await ssh.session(targetFor(host))).release();
    expect([...ssh.handshakes().values()]).toEqual([1, 1, 1]);
  });

  it("opens at most maxPerHost connections and queues further callers in order", async () => {
    const ssh = make({ maxPerHost: 2 });
    const host = run.hosts[0]!;
    let holding = 0;
    let peak = 0;
    const order: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 6 }, async (_, i) => {
        const session = await ssh.session(targetFor(host));
        order.push(i);
        peak = Math.max(peak, ++holding);
        await session.exec("sleep 0.3", { timeoutMs: 5_000 });
        holding--;
        session.release();
      }),
    );
    expect(peak).toBe(2);
    // The first two race through their handshakes; everyone after waits in arrival order.
    expect(order.slice(2)).toEqual([2, 3, 4, 5]);
    expect(ssh.handshakes().get(keyOf(host))).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // three rounds of two
  });

  it("closes a connection left idle past idleTimeoutMs", async () => {
    const { logger, lines } = capturingLogger();
    const ssh = make({ idleTimeoutMs: 300, logger });
    const host = run.hosts[1]!;
    (await ssh.session(targetFor(host))).release();
    (await ssh.session(targetFor(host))).release(); // still within the idle window: reused
    expect(ssh.handshakes().get(keyOf(host))).toBe(1);
    await new Promise((r) => setTimeout(r, 700));
    expect(lines.some((l) => l.includes("ssh connection idle, closing"))).toBe(true);
    const session = await ssh.session(targetFor(host));
    expect((await session.exec("echo back", { timeoutMs: 5_000 })).stdout).toBe("back\n");
    session.release();
    expect(ssh.handshakes().get(keyOf(host))).toBe(2);
  });

  it("drops a connection whose host went away and never hands it out again", async () => {
    const ssh = make();
    const host = run.hosts[2]!;
    (await ssh.session(targetFor(host))).release();
    await host.restart(); // kills sshd and every session; same keys and port
    const session = await ssh.session(targetFor(host));
    expect((await session.exec("echo fresh", { timeoutMs: 5_000 })).stdout).toBe("fresh\n");
    session.release();
    expect(ssh.handshakes().get(keyOf(host))).toBe(2);
  });

  it("fails a running command with a retryable connection error when the host dies under it", async () => {
    const ssh = make();
    const host = run.hosts[2]!;
    const session = await ssh.session(targetFor(host));
    const pending = session.exec("sleep 20", { timeoutMs: 30_000 }).catch((e) => e);
    await new Promise((r) => setTimeout(r, 300));
    await host.restart();
    expect(await pending).toMatchObject({ name: "SshError", errorClass: "connection", retryable: true });
    session.release();
    const next = await ssh.session(targetFor(host));
    expect((await next.exec("echo ok", { timeoutMs: 5_000 })).exitCode).toBe(0);
    next.release();
    expect(ssh.handshakes().get(keyOf(host))).toBe(2);
  });

  it("hands a queued caller a fresh connection when the busy one dies", async () => {
    const ssh = make({ maxPerHost: 1 });
    const host = run.hosts[1]!;
    const first = await ssh.session(targetFor(host));
    const queued = ssh.session(targetFor(host)).catch((e: Error) => e);
    // Kill this connection's own sshd process (the parent of the command's `timeout`); the listener lives on.
    const killed = await first
      .exec(`kill -KILL "$(ps -o ppid= -p $PPID | tr -d ' ')"; sleep 5`, { timeoutMs: 10_000 })
      .catch((e) => e);
    expect(killed).toMatchObject({ errorClass: "connection" });
    const second = await queued; // the dead one left the pool, freeing the only slot
    if (second instanceof Error) throw second;
    expect((await second.exec("echo queued", { timeoutMs: 5_000 })).stdout).toBe("queued\n");
    second.release();
    first.release();
    expect(ssh.handshakes().get(keyOf(host))).toBe(2);
  });

  it("finds a hung peer by keepalive and drops its connection", async () => {
    const { logger, lines } = capturingLogger();
    const ssh = make({ keepaliveIntervalMs: 200, logger });
    const host = run.hosts[0]!;
    const session = await ssh.session(targetFor(host));
    // This connection's own sshd process: the parent of the command's `timeout`.
    const sshdPid = Number((await session.exec("ps -o ppid= -p $PPID", { timeoutMs: 5_000 })).stdout.trim());
    session.release();
    process.kill(sshdPid, "SIGSTOP"); // the TCP connection stays up, but nothing answers
    try {
      const dropped = () =>
        lines.some((l) => l.includes("ssh connection dropped") && l.includes("Keepalive"));
      expect(await waitFor(dropped, 5_000)).toBe(true);
    } finally {
      process.kill(sshdPid, "SIGKILL");
    }
    const next = await ssh.session(targetFor(host));
    expect((await next.exec("echo alive", { timeoutMs: 5_000 })).stdout).toBe("alive\n");
    next.release();
    expect(ssh.handshakes().get(keyOf(host))).toBe(2);
  });

  it("rejects waiters and new sessions once closed", async () => {
    const ssh = make({ maxPerHost: 1 });
    const host = run.hosts[0]!;
    const held = await ssh.session(targetFor(host));
    const waiting = ssh.session(targetFor(host)).catch((e) => e);
    await ssh.close();
    expect(await waiting).toMatchObject({ errorClass: "connection", retryable: false });
    await expect(ssh.session(targetFor(host))).rejects.toMatchObject({ errorClass: "connection" });
    await expect(held.exec("true", { timeoutMs: 1_000 })).rejects.toMatchObject({ errorClass: "connection" });
    held.release();
  });
});
