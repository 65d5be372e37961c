#!/usr/bin/env node
/**
 * Fake kubelet binary: reports its version. The running kubelet is
 * kubelet-daemon.mjs, which the kubelet unit starts (kubelet-service.mjs).
 */
import { readConfig, runFake } from "./lib.mjs";

await runFake("kubelet", async (args) => {
  if (args.includes("--version")) {
    process.stdout.write(`Kubernetes ${readConfig().kubeVersion ?? "v1.31.2"}\n`);
    return 0;
  }
  process.stderr.write("fake kubelet: only --version is supported; run it through systemctl\n");
  return 1;
});
