import { describe, expect, it } from "vitest";
import { parseFacts } from "../../../../../agent/pipeline/pipelines/facts-parse.ts";
import {
  judgeCommands,
  judgeOsArch,
  judgeResources,
  judgeRuntime,
  judgeSwap,
  judgeTimeSync,
} from "../../../../../agent/pipeline/pipelines/preflight-checks.ts";
import { parsePreflightInput } from "../../../../../agent/pipeline/pipelines/preflight-input.ts";
import { keyValues } from "../../../../../agent/pipeline/pipelines/run.ts";
import { ValidationError } from "../../../../../agent/pipeline/quote.ts";

const GiB = 2 ** 30;
const facts = parseFacts(
  "os=Linux\nmachine=x86_64\nkernel=6.1\ncpus=8\nmemory.kib=16777216\nnvidia-smi=absent\nruntime.active=containerd\n",
);

describe("preflight verdicts", () => {
  it("OS and architecture", () => {
    expect(judgeOsArch(facts, ["amd64", "arm64"])).toContain("amd64");
    expect(() => judgeOsArch(facts, ["arm64"])).toThrow(
      "unsupported architecture amd64: the pool accepts arm64",
    );
    expect(() => judgeOsArch({ ...facts, os: "Darwin" }, ["amd64"])).toThrow(/Linux required/);
  });

  it("CPU, memory and GPUs against the pool's requirements, every shortfall listed", () => {
    expect(judgeResources(facts, { cpuCores: 8, memoryBytes: 16 * GiB })).toContain("8 CPUs");
    expect(() => judgeResources(facts, { cpuCores: 16, memoryBytes: 32 * GiB, gpus: 1 })).toThrow(
      "host too small: 8 CPUs, the pool needs 16; 16.0 GiB memory, the pool needs 32.0 GiB; 0 GPUs (no nvidia-smi), the pool needs 1",
    );
  });

  it("commands, runtime, swap and time", () => {
    expect(() => judgeCommands(keyValues("found=kubeadm /usr/bin/kubeadm\nmissing=crictl\n"))).toThrow(
      "required commands not found on PATH: crictl",
    );
    expect(judgeRuntime(facts)).toBe("containerd active");
    expect(() => judgeRuntime({ ...facts, containerRuntime: null })).toThrow(/no container runtime/);
    expect(judgeSwap(keyValues("swap_active=0\nswap_fstab=0\n"), false)).toBe("swap off");
    expect(() => judgeSwap(keyValues("swap_active=1\nswap_fstab=1\n"), false)).toThrow(
      /kubelet needs swap off/,
    );
    expect(judgeSwap(keyValues("swap_active=1\nswap_fstab=1\n"), true)).toMatch(/prepare will turn it off/);
    expect(judgeTimeSync(keyValues("ntp_synchronized=yes\n"))).toMatch(/synchronised/);
    expect(judgeTimeSync(keyValues("ntp_synchronized=no\ntime_service=chrony\n"))).toMatch(/chrony/);
    expect(() => judgeTimeSync(keyValues("ntp_synchronized=no\n"))).toThrow(/clock not synchronised/);
  });

  it("input: defaults, and refusals naming the field", () => {
    const input = parsePreflightInput({ apiEndpoint: "10.0.0.1:6443" });
    expect(input).toMatchObject({
      commands: ["kubeadm", "kubelet", "crictl"],
      architectures: ["amd64", "arm64"],
      prepareHosts: false,
      tcpTimeoutSeconds: 5,
      requirements: {},
    });
    const field = (values: Record<string, unknown>) => {
      try {
        parsePreflightInput({ apiEndpoint: "10.0.0.1:6443", ...values });
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).field;
      }
      return "none";
    };
    expect(field({ requirements: { memoryBytes: -1 } })).toBe("requirements.memoryBytes");
    expect(field({ runtimeCli: "crictl; touch pwned" })).toBe("runtimeCli");
    expect(field({ architectures: ["$(id)"] })).toBe("architectures");
    expect(field({ apiEndpoint: undefined })).toBe("apiEndpoint");
  });
});
