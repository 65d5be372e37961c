/**
 * Is this host a node already, and of which cluster? Prints what is on disk
 * (kubelet.conf's server, the kubelet's --provider-id, the CA's public key
 * hash, leftover join files) and whether the kubelet runs; the decision is
 * made in pipelines/membership.ts.
 */
import { defineScript } from "./render.ts";

export const KUBELET_STATE_SCRIPT = defineScript({
  name: "kubelet/state",
  version: 1,
  params: [],
  body: String.raw`
conf=/etc/kubernetes/kubelet.conf
if [ -f "$conf" ]; then
  printf 'kubelet_conf=yes\n'
  sed -n 's/^[[:space:]]*server:[[:space:]]*/server=/p' "$conf" | head -n 1
else
  printf 'kubelet_conf=no\n'
fi
for f in /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/pki/ca.crt \
  /var/lib/kubelet/config.yaml /var/lib/kubelet/kubeadm-flags.env; do
  if [ -e "$f" ]; then printf 'leftover=%s\n' "$f"; fi
done
for f in /var/lib/kubelet/kubeadm-flags.env /etc/default/kubelet /etc/sysconfig/kubelet; do
  if [ -r "$f" ]; then
    sed -n 's/.*--provider-id=\([^" ]*\).*/provider_id=\1/p' "$f" | head -n 1
  fi
done
if [ -r /var/lib/kubelet/config.yaml ]; then
  sed -n 's/^providerID:[[:space:]]*"\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/provider_id=\1/p' /var/lib/kubelet/config.yaml
fi
# The discovery CA pin is the SHA-256 of the CA's DER public key; a non-certificate yields nothing.
if [ -f /etc/kubernetes/pki/ca.crt ] && command -v openssl >/dev/null 2>&1; then
  der=$(mktemp)
  if openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt 2>/dev/null |
    openssl pkey -pubin -outform der -out "$der" 2>/dev/null && [ -s "$der" ]; then
    printf 'ca_hash=sha256:%s\n' "$(openssl dgst -sha256 -r "$der" | cut -d ' ' -f 1)"
  fi
  rm -f "$der"
fi
if systemctl is-active --quiet kubelet 2>/dev/null; then
  printf 'kubelet_active=yes\n'
else
  printf 'kubelet_active=no\n'
fi
`,
});
