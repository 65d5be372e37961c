/**
 * MachineWork.probe over a real sshd: a bare echo against the pinned host
 * key passes; a different pinned key fails as `host-key` before anything
 * runs; a host whose sshd is gone fails as `connection`; a key the agent
 * cannot load fails at `ssh.key`. Every probe takes a slot of the SSH cap.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLimiter } from "../../../../agent/execution/limiter.ts";
import { createSshMachineWork } from "../../../../agent/execution/ssh-machine-work.ts";
import type { HostKeyPins, MachineWork } from "../../../../agent/execution/types.ts";
import type { SshConnector } from "../../../../agent/ssh/types.ts";
import { fixtureMachine } from "../../../support/agent/fixtures.ts";
import { capturingLogger, connector } from "../../../support/harness/ssh.ts";
import { requireService } from "../../../support/services.ts";
import { type SshHosts, sshdUsable, startSshHosts, type TestHost } from "../../../support/ssh-hosts/index.ts";

const ok = await requireService("sshd", sshdUsable, "/usr/sbin/sshd as root");

const OTHER_KEY = `SHA256:${"A".repeat(43)}`;

describe.skipIf(!ok)("machine work: the health probe", () => {
  let run: SshHosts;
  let ssh: SshConnector;
  let work: MachineWork;
  const pins: HostKeyPins = { pin: async (_id, fingerprint) => fingerprint };

  beforeAll(async () => {
    run = await startSshHosts({ count: 2, namePrefix: "probe" });
    ssh = connector({ policy: "pin-on-first-use" });
    const keys = new Map(run.hosts.map((h) => [h.name, h.privateKey]));
    work = createSshMachineWork({
      connector: ssh,
      keys: {
        load: async ({ ssh: { keyRef: ref } }) => {
          const key = ref === null ? undefined : keys.get(ref);
          if (!key) throw new Error(`no SSH key ${ref}`);
          return { key };
        },
      },
      hostKeys: pins,
      limiter: createLimiter(2),
      metrics: { sshError: () => {} },
      logger: capturingLogger().logger,
      clock: { now: () => new Date() },
    });
  });
  afterAll(async () => {
    await ssh?.close();
    await run?.stop();
  });

  const machineOf = (host: TestHost, overrides: { fingerprint?: string | null; keyRef?: string } = {}) =>
    fixtureMachine({
      hostname: host.name,
      ip: host.address,
      ssh: { user: host.username, port: host.port, keyRef: overrides.keyRef ?? host.name },
      hostKeyFingerprint:
        overrides.fingerprint === undefined ? host.hostKeyFingerprint : overrides.fingerprint,
    });

  it("passes against the pinned host key, and runs nothing but echo", async () => {
    const host = run.hosts[0]!;
    await host.clearCalls();
    expect(await work.probe(machineOf(host), AbortSignal.timeout(10_000))).toEqual({ ok: true });
    // none of the host's faked tools (kubeadm, systemctl …) ran: echo is the shell's own
    expect(await host.calls()).toEqual([]);
  });

  it("a host key that does not match the pinned one fails before anything runs", async () => {
    const outcome = await work.probe(
      machineOf(run.hosts[0]!, { fingerprint: OTHER_KEY }),
      AbortSignal.timeout(10_000),
    );
    expect(outcome).toMatchObject({
      ok: false,
      failure: { step: "probe.ssh-echo", errorClass: "host-key", touchedHost: false },
    });
  });

  it("an unknown key is learned (pinned) first, then probed", async () => {
    const outcome = await work.probe(
      machineOf(run.hosts[0]!, { fingerprint: null }),
      AbortSignal.timeout(10_000),
    );
    expect(outcome).toEqual({ ok: true });
  });

  it("a key the agent cannot load fails at ssh.key", async () => {
    const outcome = await work.probe(
      machineOf(run.hosts[0]!, { keyRef: "missing" }),
      AbortSignal.timeout(10_000),
    );
    expect(outcome).toMatchObject({ ok: false, failure: { step: "ssh.key" } });
  });

  it("a host whose sshd is gone fails as a connection error", async () => {
    const host = run.hosts[1]!;
    expect(await work.probe(machineOf(host), AbortSignal.timeout(10_000))).toEqual({ ok: true });
    await host.kill();
    const outcome = await work.probe(machineOf(host), AbortSignal.timeout(20_000));
    expect(outcome).toMatchObject({
      ok: false,
      failure: { step: "probe.ssh-echo", errorClass: "connection" },
    });
  });
});
