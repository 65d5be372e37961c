#!/usr/bin/env node
/**
 * Records the call and succeeds. Stands in for commands that would change the
 * real machine's kernel or swap from inside a test host (sysctl, modprobe,
 * swapoff), since loopback-mode hosts share the real kernel.
 */
import { runFake } from "./lib.mjs";

await runFake(process.env.KSP_FAKE_NAME ?? "noop", async () => 0);
