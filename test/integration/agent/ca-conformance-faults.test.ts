/**
 * Acceptance, the unhappy side: a control-plane outage as Cluster Autoscaler
 * lives through it (its loop keeps running: reads and Refresh succeed within
 * its deadline; scale-up and scale-down answer Unavailable so CA retries),
 * and mutual TLS with CA's own client setup (no certificate, or one from
 * another CA: refused; the right one: served).
 */
import "@hono/zod-openapi";

import { status } from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GrpcServer, startGrpcServer } from "../../../agent/grpc/server.ts";
import { createLogger } from "../../../shared/logger.ts";
import { startTestApi, type TestApi } from "../../support/api.ts";
import {
  CaEmulator,
  CaRpcError,
  type CaTlsOptions,
  createCaClient,
  type EmulatedNode,
} from "../../support/ca-emulator/index.ts";
import { waitFor } from "../../support/eventually.ts";
import {
  type ConformanceCluster,
  startConformanceCluster,
} from "../../support/harness/ca-conformance-cluster.ts";
import { requirePostgres } from "../../support/postgres.ts";
import { requireService } from "../../support/services.ts";
import { createMtlsPki, type MtlsPki, opensslAvailable } from "../../support/test-pki.ts";

const ok = await requirePostgres();
const hasOpenssl = await requireService("openssl", opensslAvailable);

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => "OK",
    (err: unknown) => (err instanceof CaRpcError ? err.codeName : Promise.reject(err)),
  );

describe.skipIf(!ok)("CA against the agent: control-plane outage and mTLS", () => {
  let api: TestApi;
  let cluster: ConformanceCluster;
  let node: EmulatedNode;

  beforeAll(async () => {
    api = await startTestApi();
    cluster = await startConformanceCluster(api, "ca-faults");
    const client = createCaClient({ address: cluster.grpcAddress, version: "current" });
    try {
      const emulator = new CaEmulator(client);
      expect(await emulator.scaleUp("web", 2)).toMatchObject({ outcome: "scaled", after: 2 });
      const [id] = (await emulator.nodes("web")).map((i) => i.id.replace("ksp://", ""));
      // the reconciler joins it; the (fake) host finishes its join when released
      await waitFor("the join to start", () => cluster.work.held().includes(id!));
      cluster.work.release(id!);
      await cluster.waitForStatus(id!, "ready");
      node = { name: cluster.kube.nodeInformer.byProviderId(`ksp://${id}`)!.name, providerID: `ksp://${id}` };
      await emulator.refresh();
    } finally {
      client.close();
    }
  });
  afterAll(async () => {
    await cluster?.close();
    await api?.close();
  });

  describe.skipIf(!hasOpenssl)("mTLS", () => {
    let pki: MtlsPki;
    let server: GrpcServer;
    let address: string;

    beforeAll(async () => {
      pki = await createMtlsPki();
      server = await startGrpcServer({
        listen: { host: "127.0.0.1", port: 0 },
        tls: { certFile: pki.server.certPath, keyFile: pki.server.keyPath, clientCaFile: pki.ca.certPath },
        service: cluster.core.service,
        logger: createLogger({ level: "error", sink: () => {} }),
      });
      address = `127.0.0.1:${server.port}`;
    });
    afterAll(async () => {
      await server?.close();
      pki?.remove();
    });

    const groupsWith = async (tls: CaTlsOptions) => {
      // CA dials the agent's Service by DNS name; the certificate is for localhost
      const client = createCaClient({
        address,
        version: "current",
        tls: { ...tls, serverName: "localhost" },
        timeoutMs: 3_000,
      });
      try {
        return await new CaEmulator(client).nodeGroups();
      } finally {
        client.close();
      }
    };

    it("serves CA with a client certificate the configured CA signed", async () => {
      const groups = await groupsWith({ ca: pki.ca.cert, cert: pki.client.cert, key: pki.client.key });
      expect(groups.map((g) => g.id).sort()).toEqual(["gpu", "web"]);
    });

    it("refuses a client without a certificate, and one whose certificate another CA signed", async () => {
      expect(await codeOf(groupsWith({ ca: pki.ca.cert }))).toBe("UNAVAILABLE");
      const stranger = { ca: pki.ca.cert, cert: pki.strangerClient.cert, key: pki.strangerClient.key };
      expect(await codeOf(groupsWith(stranger))).toBe("UNAVAILABLE");
    });
  });

  describe.each(["current", "legacy"] as const)("control plane unreachable (%s proto)", (version) => {
    let emulator: CaEmulator;
    beforeAll(async () => {
      await cluster.cutControlPlane();
      emulator = new CaEmulator(createCaClient({ address: cluster.grpcAddress, version }));
    });
    afterAll(() => emulator?.client.close());

    it("keeps CA's loop going: Refresh returns promptly, reads serve the last state", async () => {
      const started = performance.now();
      await emulator.refresh();
      expect(performance.now() - started).toBeLessThan(1_500);
      const loop = await emulator.runOnce([node, { name: "stranger", providerID: "" }]);
      expect(Object.fromEntries(loop.groupOfNode)).toEqual({ [node.name]: "web", stranger: "" });
      expect(Object.fromEntries(loop.targetSizes)).toEqual({ gpu: 0, web: 2 });
      expect(
        loop.instances
          .get("web")!
          .map((i) => i.state)
          .sort(),
      ).toEqual(["instanceCreating", "instanceRunning"]);
      expect((await emulator.templateNode("web"))?.labels["kube-static-pool.io/pool"]).toBe("web");
    });

    it("answers mutations Unavailable within CA's deadline, so CA retries later", async () => {
      const scaleUp = await emulator.scaleUp("web", 1);
      expect(scaleUp.outcome === "failed" && scaleUp.error.code).toBe(status.UNAVAILABLE);
      expect(await codeOf(emulator.deleteNodes("web", [node]))).toBe("UNAVAILABLE");
      expect(await emulator.targetSize("web")).toBe(2);
    });
  });
});
