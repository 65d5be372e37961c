/** Shared helpers for the kube-api stand-in tests. */
import { ApiException } from "@kubernetes/client-node";
import { expect } from "vitest";
import type { StatusBody } from "../kube-api/status.ts";

/** Awaits a client call that must fail and returns the parsed `kind: Status` body. */
export async function apiError(call: Promise<unknown>, code: number): Promise<StatusBody> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `expected HTTP ${code}, got success`).toBeInstanceOf(ApiException);
  const ex = err as ApiException<string>;
  expect(ex.code).toBe(code);
  const status = JSON.parse(ex.body) as StatusBody;
  expect(status).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", code });
  return status;
}

export { eventually } from "../eventually.ts";

export const readyPod = (name: string, labels: Record<string, string>, phase = "Running", ready = true) => ({
  metadata: { name, namespace: "default", labels },
  spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox" }] },
  status: { phase, conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});
