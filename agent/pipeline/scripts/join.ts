/**
 * Joining. The JoinConfiguration (with the bootstrap token) is uploaded by the
 * step, never passed here: this script only gets its path, and removes the
 * file however kubeadm ends, so the token stays on disk only while it runs.
 */
import { defineScript } from "./render.ts";

export const KUBEADM_JOIN_SCRIPT = defineScript({
  name: "join/kubeadm-join",
  version: 1,
  params: ["KSP_CONFIG_PATH"],
  body: `
trap 'rm -f "$KSP_CONFIG_PATH"' EXIT
if [ ! -f /etc/kubernetes/kubelet.conf ]; then
  for f in /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/pki/ca.crt /var/lib/kubelet/kubeadm-flags.env; do
    if [ -e "$f" ]; then
      # A join that died half way leaves files kubeadm's preflight refuses; undo it first.
      echo "[ksp] $f left by an earlier join: running kubeadm reset -f first"
      kubeadm reset -f
      break
    fi
  done
fi
kubeadm join --config "$KSP_CONFIG_PATH"
`,
});

/** Enables and starts the kubelet if needed and waits up to KSP_TIMEOUT_SECONDS for it to be active. */
export const KUBELET_ACTIVE_SCRIPT = defineScript({
  name: "join/kubelet-active",
  version: 1,
  params: ["KSP_TIMEOUT_SECONDS"],
  body: `
if ! systemctl is-enabled --quiet kubelet 2>/dev/null; then systemctl enable kubelet; fi
if ! systemctl is-active --quiet kubelet; then systemctl start kubelet; fi
waited=0
while ! systemctl is-active --quiet kubelet; do
  if [ "$waited" -ge "$KSP_TIMEOUT_SECONDS" ]; then
    echo "kubelet not active after $KSP_TIMEOUT_SECONDS s" >&2
    systemctl status kubelet >&2 || true
    exit 1
  fi
  sleep 1
  waited=$((waited + 1))
done
echo "kubelet is active"
`,
});

/** state=done when KSP_PATH holds exactly KSP_CONTENT (markers such as "post-join hook ran"). */
export const MARKER_CHECK_SCRIPT = defineScript({
  name: "common/marker-check",
  version: 1,
  params: ["KSP_PATH", "KSP_CONTENT"],
  body: `
if [ -f "$KSP_PATH" ] && [ "$(cat "$KSP_PATH")" = "$KSP_CONTENT" ]; then echo state=done; else echo state=todo; fi
`,
});

/** Prepares the directory the JoinConfiguration is uploaded into (root only). */
export const CONFIG_DIR_SCRIPT = defineScript({
  name: "join/config-dir",
  version: 1,
  params: ["KSP_DIR"],
  body: `
mkdir -p "$KSP_DIR"
chmod 0700 "$KSP_DIR"
`,
});
