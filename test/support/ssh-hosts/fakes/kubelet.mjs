#!/usr/bin/env node
/** Fake kubelet: reports its version. The real daemon's work is emulated by kubeadm join and systemctl. */
import { readConfig, runFake } from "./lib.mjs";

await runFake("kubelet", async (args) => {
  if (args.includes("--version")) {
    process.stdout.write(`Kubernetes ${readConfig().kubeVersion ?? "v1.31.2"}\n`);
    return 0;
  }
  process.stderr.write("fake kubelet: only --version is supported; run it through systemctl\n");
  return 1;
});
