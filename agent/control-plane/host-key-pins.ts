/**
 * Host keys learned on first use, kept by the control plane: it stores a key
 * only while the machine has none, so when two replicas (or two runs) race,
 * the first key wins everywhere and the other side is told which one.
 */
import type { HostKeyPins } from "../execution/types.ts";
import type { ControlPlane } from "./types.ts";

export function createHostKeyPins(
  controlPlane: Pick<ControlPlane, "pinHostKeys">,
  /** told after a key was stored, e.g. to fetch the new state */
  onStored: () => void = () => {},
): HostKeyPins {
  return {
    async pin(machineId, fingerprint) {
      const answer = await controlPlane.pinHostKeys([{ machineId, fingerprint }]);
      const result = answer.results.find((r) => r.machineId === machineId);
      if (result === undefined) throw new Error(`the control plane did not answer for machine ${machineId}`);
      if (result.ok) {
        if (result.pinned) onStored();
        return result.fingerprint;
      }
      const pinned = result.error.details?.pinned;
      if (result.error.code === "conflict" && typeof pinned === "string") return pinned;
      throw new Error(
        `the control plane refused the host key of machine ${machineId}: ${result.error.code}: ${result.error.message}`,
      );
    },
  };
}
