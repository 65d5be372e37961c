/**
 * Reset: undo a join. Each script takes KSP_MODE (check prints
 * state=done|todo, apply cleans) and succeeds on an already clean host.
 * Directories are emptied, not removed: they may be mount points.
 */
import { defineScript } from "./render.ts";

const emptyDir = `
is_empty() { [ ! -d "$1" ] || [ -z "$(ls -A "$1" 2>/dev/null)" ]; }
empty_dir() { if [ -d "$1" ]; then find "$1" -mindepth 1 -maxdepth 1 -exec rm -rf {} +; fi; }
`;

export const KUBEADM_RESET_SCRIPT = defineScript({
  name: "reset/kubeadm-reset",
  version: 1,
  params: ["KSP_MODE"],
  body: `${emptyDir}${`
clean() {
  for f in /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/pki/ca.crt; do
    [ ! -e "$f" ] || return 1
  done
  is_empty /var/lib/kubelet || return 1
  ! systemctl is-active --quiet kubelet 2>/dev/null
}
if [ "$KSP_MODE" = check ]; then
  if clean; then echo state=done; else echo state=todo; fi
  exit 0
fi
if command -v kubeadm >/dev/null 2>&1; then
  kubeadm reset -f
else
  echo "[ksp] kubeadm not found: stopping the kubelet only; the cleanup steps remove its state"
  systemctl stop kubelet || true
fi
`}`,
});

const CNI_INTERFACES =
  "cni0 flannel.1 flannel-v6.1 cilium_host cilium_net cilium_vxlan cilium_geneve vxlan.calico vxlan-v6.calico kube-ipvs0 kube-bridge weave nodelocaldns";

export const CNI_CLEANUP_SCRIPT = defineScript({
  name: "reset/cni",
  version: 1,
  params: ["KSP_MODE"],
  body: `${emptyDir}ifaces='${CNI_INTERFACES}'${String.raw`
present_ifaces() {
  command -v ip >/dev/null 2>&1 || return 0
  for i in $ifaces; do
    if ip link show "$i" >/dev/null 2>&1; then printf '%s\n' "$i"; fi
  done
}
if [ "$KSP_MODE" = check ]; then
  if is_empty /etc/cni/net.d && is_empty /var/lib/cni && [ -z "$(present_ifaces)" ]; then
    echo state=done
  else
    echo state=todo
  fi
  exit 0
fi
empty_dir /etc/cni/net.d
empty_dir /var/lib/cni
for i in $(present_ifaces); do ip link delete "$i"; echo "deleted interface $i"; done
`}`,
});

// Chains and rules kube-proxy and the common CNIs create; everything else stays.
const KUBE_RULES = "KUBE-|CNI-|cali-|cali:|FLANNEL|flannel|CILIUM|cilium|WEAVE";

export const IPTABLES_CLEANUP_SCRIPT = defineScript({
  name: "reset/iptables",
  version: 1,
  params: ["KSP_MODE"],
  body: `pattern='${KUBE_RULES}'${`
dirty() {
  for t in iptables ip6tables; do
    if command -v "$t-save" >/dev/null 2>&1 && "$t-save" 2>/dev/null | grep -qE "$pattern"; then return 0; fi
  done
  if command -v ipvsadm >/dev/null 2>&1 && [ -n "$(ipvsadm -Sn 2>/dev/null)" ]; then return 0; fi
  return 1
}
if [ "$KSP_MODE" = check ]; then
  if dirty; then echo state=todo; else echo state=done; fi
  exit 0
fi
for t in iptables ip6tables; do
  if command -v "$t-save" >/dev/null 2>&1 && "$t-save" | grep -qE "$pattern"; then
    "$t-save" | grep -vE "$pattern" | "$t-restore"
    echo "removed Kubernetes rules from $t"
  fi
done
if command -v ipvsadm >/dev/null 2>&1 && [ -n "$(ipvsadm -Sn 2>/dev/null)" ]; then ipvsadm --clear; echo "cleared IPVS"; fi
`}`,
});

/** KSP_STATE_DIR: the agent's own directory under /etc/kubernetes (join config, markers). */
export const KUBELET_STATE_CLEANUP_SCRIPT = defineScript({
  name: "reset/kubelet-state",
  version: 1,
  params: ["KSP_MODE", "KSP_STATE_DIR"],
  body: `${emptyDir}${`
clean() {
  for f in /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf "$KSP_STATE_DIR"; do
    [ ! -e "$f" ] || return 1
  done
  is_empty /var/lib/kubelet && is_empty /etc/kubernetes/pki && is_empty /etc/kubernetes/manifests
}
if [ "$KSP_MODE" = check ]; then
  if clean; then echo state=done; else echo state=todo; fi
  exit 0
fi
if systemctl is-active --quiet kubelet 2>/dev/null; then systemctl stop kubelet; fi
# Pod volumes may still be mounted below /var/lib/kubelet: unmount before deleting, deepest first.
if [ -r /proc/mounts ]; then
  awk '$2 ~ "^/var/lib/kubelet/" { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount "$m" 2>/dev/null || umount -l "$m"
  done
fi
empty_dir /var/lib/kubelet
empty_dir /etc/kubernetes/pki
empty_dir /etc/kubernetes/manifests
rm -f /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf
rm -rf "$KSP_STATE_DIR"
`}`,
});
