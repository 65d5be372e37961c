/**
 * A Cluster Autoscaler emulator for the externalgrpc CloudProvider: CA's
 * client setup (reference protos, per-call deadline, plaintext or mTLS) and
 * its call patterns, with the template node decoded as CA decodes it.
 *
 *   const emulator = new CaEmulator(createCaClient({ address, version: "legacy" }));
 *   const loop = await emulator.runOnce(nodes);
 */
export * from "../reference-protos.ts";
export * from "./client.ts";
export * from "./emulator.ts";
export * from "./options.ts";
export * from "./template-node.ts";
