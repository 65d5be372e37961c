/**
 * MachineWork and the key store: the machine (not just its keyRef) is what
 * the store is asked about, the stored key reaches the SSH target, and a key
 * that cannot be fetched because the control plane is away is a transient
 * failure (tried again later), while a key that exists nowhere is not.
 */
import { describe, expect, it } from "vitest";
import { createLimiter } from "../../../../agent/execution/limiter.ts";
import { createSshMachineWork } from "../../../../agent/execution/ssh-machine-work.ts";
import type { KeyedMachine, SshKeyStore } from "../../../../agent/ssh/key-store.ts";
import { SshError, type SshTarget } from "../../../../agent/ssh/types.ts";
import { createMemoryLogger } from "../../../../shared/logger.ts";
import { FakeSshConnector } from "../../../support/agent/fake-ssh.ts";
import { fixtureMachine } from "../../../support/agent/fixtures.ts";

const FINGERPRINT = `SHA256:${"k".repeat(43)}`;

function workWith(keys: SshKeyStore) {
  const connector = new FakeSshConnector();
  const work = createSshMachineWork({
    connector,
    keys,
    hostKeys: { pin: async (_id, fp) => fp },
    limiter: createLimiter(1),
    metrics: { sshError: () => {} },
    logger: createMemoryLogger(),
    clock: { now: () => new Date() },
  });
  return { work, connector };
}

describe("machine work: SSH keys", () => {
  const machine = fixtureMachine({ status: "reserved", hostKeyFingerprint: FINGERPRINT });

  it("asks the store about the machine and connects with what it answers", async () => {
    const asked: KeyedMachine[] = [];
    const { work, connector } = workWith({
      load: async (m) => {
        asked.push(m);
        return { key: "STORED-KEY", passphrase: "pw" };
      },
    });
    const targets: SshTarget[] = [];
    connector.setFingerprint(machine.ip, FINGERPRINT).on("echo ksp-probe", (_command, target) => {
      targets.push(target);
      return { stdout: "ksp-probe\n" };
    });
    expect(await work.probe(machine, AbortSignal.timeout(5_000))).toEqual({ ok: true });
    expect(asked).toEqual([machine]);
    expect(targets).toEqual([expect.objectContaining({ key: "STORED-KEY", passphrase: "pw" })]);
  });

  it("a retryable key failure (control plane away) is transient; a missing key is not", async () => {
    const away = workWith({
      load: async () => {
        throw new SshError("auth", "cannot fetch the stored SSH key", { retryable: true });
      },
    });
    expect(await away.work.probe(machine, AbortSignal.timeout(5_000))).toEqual({
      ok: false,
      failure: expect.objectContaining({
        step: "ssh.key",
        errorClass: "auth",
        transient: true,
        touchedHost: false,
      }),
    });
    const missing = workWith({
      load: async () => {
        throw new SshError("auth", "no SSH key", { retryable: false });
      },
    });
    const outcome = await missing.work.probe(machine, AbortSignal.timeout(5_000));
    expect(outcome).toMatchObject({ ok: false, failure: { step: "ssh.key", errorClass: "auth" } });
    expect(outcome.ok === false && outcome.failure.transient).toBeFalsy();
  });
});
