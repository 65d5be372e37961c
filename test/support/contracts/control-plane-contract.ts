/**
 * One behavioural contract for every ControlPlane the agent talks to: the
 * in-memory FakeControlPlane agent unit tests use (unit tier) and the agent's
 * real HTTP client against the real control plane on a real port and real
 * Postgres (integration tier). A rule the agent relies on is written here
 * once, so the fake cannot drift from what the control plane really does.
 *
 * It asserts what the agent acts on (answer shapes, ETag semantics, error
 * classes, codes, statuses and the details it reads), never incidental
 * values (ids it did not choose, messages, exact version increments).
 * Every test builds its own subject (a fresh cluster), so no test depends on
 * another one's state or order.
 *
 *   describeControlPlaneContract("FakeControlPlane", async () => fakeSubject());
 */
import { describe } from "vitest";
import { allocationsContract } from "./control-plane/allocations.ts";
import { credentialsContract } from "./control-plane/credentials.ts";
import { hostKeysContract } from "./control-plane/host-keys.ts";
import { reportsContract } from "./control-plane/reports.ts";
import { requestsContract } from "./control-plane/requests.ts";
import { scalingRefusalsContract } from "./control-plane/scaling-refusals.ts";
import { stateContract } from "./control-plane/state.ts";
import type { MakeSubject } from "./control-plane/subject.ts";
import { transitionsContract } from "./control-plane/transitions.ts";

export type { ControlPlaneSubject, MakeSubject } from "./control-plane/subject.ts";
export { newFingerprint } from "./control-plane/subject.ts";

export function describeControlPlaneContract(name: string, makeSubject: MakeSubject): void {
  describe(`ControlPlane contract: ${name}`, () => {
    stateContract(makeSubject);
    allocationsContract(makeSubject);
    transitionsContract(makeSubject);
    hostKeysContract(makeSubject);
    reportsContract(makeSubject);
    scalingRefusalsContract(makeSubject);
    requestsContract(makeSubject);
    credentialsContract(makeSubject);
  });
}
