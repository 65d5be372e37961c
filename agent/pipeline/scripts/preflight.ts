/** Read-only probes for preflight: commands on PATH, swap and time sync, TCP reachability. */
import { defineScript } from "./render.ts";

/** KSP_COMMANDS: space-separated command names (validated by the caller). */
export const COMMANDS_SCRIPT = defineScript({
  name: "preflight/commands",
  version: 1,
  params: ["KSP_COMMANDS"],
  body: String.raw`
for c in $KSP_COMMANDS; do
  if p=$(command -v "$c" 2>/dev/null); then
    printf 'found=%s %s\n' "$c" "$p"
  else
    printf 'missing=%s\n' "$c"
  fi
done
`,
});

/** Swap devices and fstab entries; NTP sync, and the time services only when the clock is not synced. */
export const SWAP_AND_TIME_SCRIPT = defineScript({
  name: "preflight/swap-and-time",
  version: 2,
  params: [],
  body: String.raw`
if [ -r /proc/swaps ]; then
  awk 'NR > 1 { n++ } END { print "swap_active=" n + 0 }' /proc/swaps
else
  printf 'swap_active=0\n'
fi
if [ -r /etc/fstab ]; then
  awk '!/^[[:space:]]*#/ && $3 == "swap" { n++ } END { print "swap_fstab=" n + 0 }' /etc/fstab
fi
synced=""
if command -v timedatectl >/dev/null 2>&1; then
  if synced=$(timedatectl show -p NTPSynchronized --value 2>/dev/null); then printf 'ntp_synchronized=%s\n' "$synced"; fi
fi
# a synchronised clock needs no further look; otherwise an active time service may be about to sync it
if [ "$synced" != yes ]; then
  for u in chronyd chrony systemd-timesyncd ntpd ntp ntpsec openntpd; do
    if systemctl is-active --quiet "$u" 2>/dev/null; then printf 'time_service=%s\n' "$u"; fi
  done
fi
`,
});

/** Opens a TCP connection from the host (bash's /dev/tcp, else nc); prints reachable=yes|no|unknown. */
export const TCP_CHECK_SCRIPT = defineScript({
  name: "preflight/tcp-check",
  version: 1,
  params: ["KSP_HOST", "KSP_PORT", "KSP_TIMEOUT_SECONDS"],
  body: String.raw`
limit=""
if command -v timeout >/dev/null 2>&1; then limit="timeout $KSP_TIMEOUT_SECONDS"; fi
if command -v bash >/dev/null 2>&1; then
  if $limit bash -c 'exec 3<>"/dev/tcp/$1/$2"' ksp-tcp "$KSP_HOST" "$KSP_PORT" 2>/dev/null; then
    printf 'reachable=yes\n'
  else
    printf 'reachable=no\n'
  fi
elif command -v nc >/dev/null 2>&1; then
  if nc -z -w "$KSP_TIMEOUT_SECONDS" "$KSP_HOST" "$KSP_PORT" 2>/dev/null; then
    printf 'reachable=yes\n'
  else
    printf 'reachable=no\n'
  fi
else
  printf 'reachable=unknown\n'
fi
`,
});
