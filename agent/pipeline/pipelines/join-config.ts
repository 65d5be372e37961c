/**
 * The kubeadm JoinConfiguration the join step uploads (mode 0600). It is the
 * only place the bootstrap token and CA hash go. Every value has been
 * validated; the YAML library quotes whatever needs quoting.
 */
import { stringify } from "yaml";
import type { JoinInput, KubeadmConfigVersion } from "./inputs.ts";

export type { KubeadmConfigVersion } from "./inputs.ts";

/** v1beta4 from kubeadm 1.31 on (its kubeletExtraArgs is a list); v1beta3 before. */
export function configVersionFor(kubeadmVersion: string | null): KubeadmConfigVersion {
  const m = /^v?(\d+)\.(\d+)/.exec(kubeadmVersion ?? "");
  if (!m) return "v1beta4";
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 1 || (major === 1 && minor >= 31) ? "v1beta4" : "v1beta3";
}

export function joinConfiguration(input: JoinInput, version: KubeadmConfigVersion): string {
  const extraArgs: [string, string][] = [["provider-id", input.providerId]];
  const labels = Object.entries(input.labels).map(([k, v]) => `${k}=${v}`);
  if (labels.length > 0) extraArgs.push(["node-labels", labels.join(",")]);
  const config = {
    apiVersion: `kubeadm.k8s.io/${version}`,
    kind: "JoinConfiguration",
    discovery: {
      bootstrapToken: {
        apiServerEndpoint: input.endpoint.text,
        token: input.token,
        caCertHashes: [input.caCertHash],
      },
    },
    nodeRegistration: {
      name: input.nodeName,
      kubeletExtraArgs:
        version === "v1beta4"
          ? extraArgs.map(([name, value]) => ({ name, value }))
          : Object.fromEntries(extraArgs),
      // An explicit empty list: kubeadm adds no default taints to a worker.
      taints: input.taints.map((t) => (t.value === undefined ? { key: t.key, effect: t.effect } : { ...t })),
    },
  };
  return stringify(config, { defaultStringType: "QUOTE_DOUBLE", defaultKeyType: "PLAIN" });
}
