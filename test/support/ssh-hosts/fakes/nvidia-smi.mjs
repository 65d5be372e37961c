#!/usr/bin/env node
/** Fake nvidia-smi: lists config.gpus GPUs for `--query-gpu=… --format=csv,noheader`; fails when there are none. */
import { readConfig, runFake } from "./lib.mjs";

await runFake("nvidia-smi", async (args) => {
  const gpus = Number(readConfig().gpus ?? 0);
  if (gpus === 0) {
    process.stderr.write(
      "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the latest NVIDIA driver is installed and running.\n",
    );
    return 9;
  }
  const query = args.find((a) => a.startsWith("--query-gpu="))?.slice("--query-gpu=".length);
  const fields = {
    index: (i) => String(i),
    name: () => "NVIDIA A100-SXM4-80GB",
    "memory.total": () => "81920 MiB",
  };
  const lines = [];
  for (let i = 0; i < gpus; i++) {
    if (query)
      lines.push(
        query
          .split(",")
          .map((f) => (fields[f.trim()] ?? (() => "[N/A]"))(i))
          .join(", "),
      );
    else lines.push(`GPU ${i}: NVIDIA A100-SXM4-80GB (UUID: GPU-00000000-0000-0000-0000-00000000000${i})`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
});
