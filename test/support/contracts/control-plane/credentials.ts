/** Registration (agent/control-plane/register.ts) and the agent credential: one-time tokens, replaced credentials refused at once. */
import { describe, expect, it } from "vitest";
import { beat, expectFinal, fullState, type MakeSubject, refusal } from "./subject.ts";

export function credentialsContract(makeSubject: MakeSubject): void {
  describe("registration and credentials", () => {
    it("trades a registration token, once, for a credential that works", async () => {
      const s = await makeSubject();
      const token = await s.issueRegistrationToken();
      const registration = await s.register({ registrationToken: token, clusterName: s.clusterName });
      expect(registration).toEqual({
        clusterId: s.clusterId,
        clusterName: s.clusterName,
        credential: expect.any(String),
      });
      const agent = s.connect(registration.credential);
      expect((await fullState(agent)).state.clusterId).toBe(s.clusterId);

      expectFinal(await refusal(s.register({ registrationToken: token })), 401, "unauthorized");
    });

    it("refuses an unknown token and a wrong cluster name alike, leaving the token usable", async () => {
      const s = await makeSubject();
      const token = await s.issueRegistrationToken();
      expectFinal(
        await refusal(s.register({ registrationToken: `${token}x`, clusterName: s.clusterName })),
        401,
        "unauthorized",
      );
      expectFinal(
        await refusal(s.register({ registrationToken: token, clusterName: `${s.clusterName}-other` })),
        401,
        "unauthorized",
      );
      await expect(s.register({ registrationToken: token })).resolves.toMatchObject({
        clusterId: s.clusterId,
      });
    });

    it("refuses a replaced credential at once, after a rotation and after a re-registration", async () => {
      const s = await makeSubject();
      const first = (await s.register({ registrationToken: await s.issueRegistrationToken() })).credential;
      await s.connect(first).heartbeat(beat());

      const rotated = await s.rotateCredential();
      expect(rotated).not.toBe(first);
      expectFinal(await refusal(s.connect(first).heartbeat(beat())), 401, "unauthorized");
      expect((await fullState(s.connect(rotated))).state.clusterId).toBe(s.clusterId);

      const again = (await s.register({ registrationToken: await s.issueRegistrationToken() })).credential;
      expectFinal(await refusal(s.connect(rotated).state(null)), 401, "unauthorized");
      await expect(s.connect(again).heartbeat(beat())).resolves.toMatchObject({
        stateVersion: expect.any(Number),
      });
      expectFinal(await refusal(s.connect("not-a-credential").state(null)), 401, "unauthorized");
    });
  });
}
