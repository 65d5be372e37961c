/**
 * Host preparation (pools that opt in). Each script takes KSP_MODE: `check`
 * prints state=done|todo and changes nothing; `apply` makes it so and is
 * safe to repeat. Files are rewritten in place (`cat > file`), never renamed
 * over, because /etc/fstab may be a bind mount.
 */
import { defineScript } from "./render.ts";

export const SWAP_OFF_SCRIPT = defineScript({
  name: "prepare/swap-off",
  version: 1,
  params: ["KSP_MODE"],
  body: String.raw`
active=0
if [ -r /proc/swaps ]; then active=$(awk 'NR > 1 { n++ } END { print n + 0 }' /proc/swaps); fi
fstab=0
if [ -r /etc/fstab ]; then fstab=$(awk '!/^[[:space:]]*#/ && $3 == "swap" { n++ } END { print n + 0 }' /etc/fstab); fi
if [ "$KSP_MODE" = check ]; then
  if [ "$active" -eq 0 ] && [ "$fstab" -eq 0 ]; then echo state=done; else echo state=todo; fi
  exit 0
fi
if [ "$active" -gt 0 ]; then swapoff -a; fi
if [ "$fstab" -gt 0 ]; then
  tmp=$(mktemp)
  awk '!/^[[:space:]]*#/ && $3 == "swap" { print "# disabled by kube-static-pool: " $0; next } { print }' \
    /etc/fstab > "$tmp"
  cat "$tmp" > /etc/fstab
  rm -f "$tmp"
  echo "commented out $fstab swap entries in /etc/fstab"
fi
`,
});

/** Writes KSP_FILE with KSP_CONTENT when it differs (helper shared by the two scripts below). */
const writeIfChanged = String.raw`
file_matches() { [ -f "$KSP_FILE" ] && printf '%s\n' "$KSP_CONTENT" | cmp -s - "$KSP_FILE"; }
write_file() {
  if ! file_matches; then
    mkdir -p "$(dirname "$KSP_FILE")"
    printf '%s\n' "$KSP_CONTENT" > "$KSP_FILE"
    echo "wrote $KSP_FILE"
  fi
}
`;

/** KSP_MODULES: space-separated module names; KSP_FILE/KSP_CONTENT: the modules-load.d file. */
export const KERNEL_MODULES_SCRIPT = defineScript({
  name: "prepare/kernel-modules",
  version: 1,
  params: ["KSP_MODE", "KSP_MODULES", "KSP_FILE", "KSP_CONTENT"],
  body: `${writeIfChanged}
${String.raw`
loaded() {
  [ -d "/sys/module/$1" ] && return 0
  [ -r "/lib/modules/$(uname -r)/modules.builtin" ] && grep -q "/$1\.ko" "/lib/modules/$(uname -r)/modules.builtin" && return 0
  # br_netfilter built in (or loaded without a /sys/module entry) still shows its sysctls.
  [ "$1" = br_netfilter ] && [ -e /proc/sys/net/bridge/bridge-nf-call-iptables ] && return 0
  return 1
}
all_loaded() {
  for m in $KSP_MODULES; do loaded "$m" || return 1; done
}
if [ "$KSP_MODE" = check ]; then
  if file_matches && all_loaded; then echo state=done; else echo state=todo; fi
  exit 0
fi
write_file
for m in $KSP_MODULES; do
  if ! loaded "$m"; then modprobe "$m"; echo "loaded $m"; fi
done
`}`,
});

/** KSP_SETTINGS: space-separated key=value sysctls; KSP_FILE/KSP_CONTENT: the sysctl.d file. */
export const SYSCTL_SCRIPT = defineScript({
  name: "prepare/sysctl",
  version: 1,
  params: ["KSP_MODE", "KSP_SETTINGS", "KSP_FILE", "KSP_CONTENT"],
  body: `${writeIfChanged}
${`
live_matches() {
  for kv in $KSP_SETTINGS; do
    key=$(printf '%s' "$kv" | cut -d = -f 1)
    want=$(printf '%s' "$kv" | cut -d = -f 2-)
    path="/proc/sys/$(printf '%s' "$key" | tr . /)"
    [ -r "$path" ] && [ "$(cat "$path")" = "$want" ] || return 1
  done
}
if [ "$KSP_MODE" = check ]; then
  if file_matches && live_matches; then echo state=done; else echo state=todo; fi
  exit 0
fi
write_file
sysctl -p "$KSP_FILE"
`}`,
});

export const HOSTNAME_SCRIPT = defineScript({
  name: "prepare/hostname",
  version: 1,
  params: ["KSP_MODE", "KSP_HOSTNAME"],
  body: String.raw`
persisted() { [ ! -e /etc/hostname ] || [ "$(cat /etc/hostname)" = "$KSP_HOSTNAME" ]; }
if [ "$KSP_MODE" = check ]; then
  if [ "$(hostname)" = "$KSP_HOSTNAME" ] && persisted; then echo state=done; else echo state=todo; fi
  exit 0
fi
if command -v hostnamectl >/dev/null 2>&1 && hostnamectl set-hostname "$KSP_HOSTNAME" 2>/dev/null; then
  echo "hostname set with hostnamectl"
else
  hostname "$KSP_HOSTNAME"
  printf '%s\n' "$KSP_HOSTNAME" > /etc/hostname
  echo "hostname set and written to /etc/hostname"
fi
`,
});
