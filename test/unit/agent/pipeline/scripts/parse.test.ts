import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PreconditionError } from "../../../../../agent/pipeline/errors.ts";
import { parseFacts } from "../../../../../agent/pipeline/pipelines/facts-parse.ts";
import {
  judgeMembership,
  parseKubeletState,
  serverAddress,
} from "../../../../../agent/pipeline/pipelines/membership.ts";
import { validateEndpoint } from "../../../../../agent/pipeline/quote.ts";
import { FACTS_SCRIPT } from "../../../../../agent/pipeline/scripts/facts.ts";
import { scriptCommand } from "../../../../../agent/pipeline/scripts/render.ts";

const FACTS_OUTPUT = `hostname=gpu-7
os=Linux
kernel=6.1.0-26-amd64
machine=x86_64
os.pretty="Debian GNU/Linux 12 (bookworm)"
os.id=debian
os.version="12"
cpus=64
memory.kib=528281600
nvidia-smi=ok
gpu=0, NVIDIA A100-SXM4-80GB, 81920 MiB
gpu=1, NVIDIA A100-SXM4-80GB, 81920 MiB
runtime.active=containerd
runtime.version.containerd=containerd containerd.io 1.7.22 7f7fdf5fed64eb6a7caf99b3e12efcf9d60e311c
kubelet.version=Kubernetes v1.31.2
kubeadm.version=v1.31.2
`;

describe("parseFacts", () => {
  it("types every fact", () => {
    expect(parseFacts(FACTS_OUTPUT)).toEqual({
      hostname: "gpu-7",
      osImage: "Debian GNU/Linux 12 (bookworm)",
      osId: "debian",
      osVersion: "12",
      os: "Linux",
      kernel: "6.1.0-26-amd64",
      arch: "amd64",
      cpuCores: 64,
      memoryBytes: 528281600 * 1024,
      nvidiaSmi: "ok",
      gpus: [
        { index: 0, name: "NVIDIA A100-SXM4-80GB", memoryMiB: 81920 },
        { index: 1, name: "NVIDIA A100-SXM4-80GB", memoryMiB: 81920 },
      ],
      containerRuntime: { name: "containerd", version: "v1.7.22", active: true },
      kubeletVersion: "v1.31.2",
      kubeadmVersion: "v1.31.2",
    });
  });

  it("leaves what is missing null or empty", () => {
    const facts = parseFacts(
      "machine=aarch64\nnvidia-smi=failed\nnvidia-smi.error=NVIDIA-SMI has failed\nruntime.version.crio=crio version 1.30.1\n",
    );
    expect(facts).toMatchObject({
      arch: "arm64",
      cpuCores: null,
      memoryBytes: null,
      gpus: [],
      nvidiaSmi: "failed",
      containerRuntime: { name: "cri-o", version: "v1.30.1", active: false },
      kubeletVersion: null,
    });
  });

  it("parses what the real script prints on this machine", () => {
    const out = execFileSync("sh", [
      "-c",
      scriptCommand(FACTS_SCRIPT, { KSP_SECTIONS: "system hardware" }),
    ]).toString();
    const facts = parseFacts(out);
    expect(facts.os).toBe("Linux");
    expect(facts.cpuCores).toBeGreaterThan(0);
    expect(facts.memoryBytes).toBeGreaterThan(0);
    expect(facts.kernel).toBeTruthy();
  });
});

describe("kubelet state and membership", () => {
  const endpoint = validateEndpoint("10.0.0.1:6443");
  const joined = parseKubeletState(
    "kubelet_conf=yes\nserver=https://10.0.0.1:6443\nleftover=/etc/kubernetes/pki/ca.crt\nprovider_id=ksp://pool/m1\nkubelet_active=yes\n",
  );

  it("parses the script's report", () => {
    expect(joined).toEqual({
      joined: true,
      server: "https://10.0.0.1:6443",
      providerId: "ksp://pool/m1",
      caCertHash: null,
      kubeletActive: true,
      leftovers: ["/etc/kubernetes/pki/ca.crt"],
    });
    expect(serverAddress("https://API.example:443/")).toBe("api.example:443");
    expect(serverAddress("https://api.example")).toBe("api.example:443");
  });

  it("not joined, joined here, joined elsewhere, joined here under another providerID", () => {
    expect(judgeMembership(parseKubeletState("kubelet_conf=no\n"), { endpoint })).toBe("not-joined");
    expect(judgeMembership(joined, { endpoint, providerId: "ksp://pool/m1" })).toBe("joined-here");
    expect(() => judgeMembership(joined, { endpoint: validateEndpoint("10.9.9.9:6443") })).toThrow(
      /joined to another cluster \(kubelet.conf server https:\/\/10.0.0.1:6443\)/,
    );
    expect(() => judgeMembership(joined, { endpoint, providerId: "ksp://pool/m2" })).toThrow(
      PreconditionError,
    );
  });

  it("the CA pin decides when both sides know it", () => {
    const hash = `sha256:${"a".repeat(64)}`;
    const state = { ...joined, caCertHash: hash };
    expect(
      judgeMembership(state, { endpoint: validateEndpoint("other.example:6443"), caCertHash: hash }),
    ).toBe("joined-here");
    expect(() => judgeMembership(state, { endpoint, caCertHash: `sha256:${"b".repeat(64)}` })).toThrow(
      /another cluster/,
    );
  });
});
