/** POST /v1/agent/host-keys: pin on first use, never overwrite. */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { HostKeysResponseSchema } from "../../../../proto/agent-api.ts";
import { fullState, isFull, type MakeSubject, newFingerprint } from "./subject.ts";

export function hostKeysContract(makeSubject: MakeSubject): void {
  describe("host keys", () => {
    it("pins a key only where none is: first pinned, a replay unchanged, another key a conflict naming the pinned one", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const [id] = await s.addPoolMachines(poolId, 1, { status: "reserved" });
      const [free] = await s.addFreeMachines(1);
      const before = await fullState(s.controlPlane);
      const version = before.state.machines.find((m) => m.id === id)!.version;
      const key = newFingerprint();

      const first = await s.controlPlane.pinHostKeys([{ machineId: id!, fingerprint: key }]);
      expect(HostKeysResponseSchema.safeParse(first).success).toBe(true);
      expect(first).toEqual({
        results: [{ machineId: id, ok: true, pinned: true, fingerprint: key }],
        summary: { pinned: 1, unchanged: 0, failed: 0 },
      });
      const pinned = await s.controlPlane.state(before.etag);
      if (!isFull(pinned)) throw new Error("a pinned key must change the state");
      // a pin is not a status change: the version guarding transitions stays
      expect(pinned.state.machines.find((m) => m.id === id)).toMatchObject({
        hostKeyFingerprint: key,
        version,
      });

      const again = await s.controlPlane.pinHostKeys([
        { machineId: id!, fingerprint: key },
        { machineId: id!, fingerprint: newFingerprint() },
        { machineId: free!, fingerprint: newFingerprint() },
        { machineId: randomUUID(), fingerprint: newFingerprint() },
      ]);
      expect(again.results[0]).toEqual({ machineId: id, ok: true, pinned: false, fingerprint: key });
      expect(again.results[1]).toMatchObject({
        ok: false,
        error: { code: "conflict", details: { pinned: key } },
      });
      expect(again.results.slice(2).map((r) => (r.ok ? "ok" : r.error.code))).toEqual([
        "not_found",
        "not_found",
      ]);
      expect(again.summary).toEqual({ pinned: 0, unchanged: 1, failed: 3 });
      expect(await s.controlPlane.state(pinned.etag)).toEqual({ notModified: true });
    });

    it("matches a key an operator stored with base64 padding, answering it unpadded", async () => {
      const s = await makeSubject();
      const poolId = await s.addPool();
      const key = newFingerprint();
      const [id] = await s.addPoolMachines(poolId, 1, {
        status: "reserved",
        hostKeyFingerprint: `${key}=`,
      });
      const answer = await s.controlPlane.pinHostKeys([{ machineId: id!, fingerprint: key }]);
      expect(answer.results).toEqual([{ machineId: id, ok: true, pinned: false, fingerprint: key }]);
    });
  });
}
