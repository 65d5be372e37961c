/**
 * What a host is: printed as `key=value` lines, parsed by pipelines/facts-parse.ts.
 * KSP_SECTIONS picks the sections (system hardware gpus runtime versions) so
 * preflight steps can ask for just what they check.
 */
import { defineScript } from "./render.ts";

export const FACT_SECTIONS = ["system", "hardware", "gpus", "runtime", "versions"] as const;
export type FactSection = (typeof FACT_SECTIONS)[number];

export const FACTS_SCRIPT = defineScript({
  name: "facts/collect",
  version: 2,
  params: ["KSP_SECTIONS"],
  body: String.raw`
want() {
  case " $KSP_SECTIONS " in *" $1 "*) return 0 ;; esac
  return 1
}
if want system; then
  printf 'hostname=%s\n' "$(hostname)"
  printf 'os=%s\n' "$(uname -s)"
  printf 'kernel=%s\n' "$(uname -r)"
  printf 'machine=%s\n' "$(uname -m)"
  if [ -r /etc/os-release ]; then
    sed -n -e 's/^PRETTY_NAME=/os.pretty=/p' -e 's/^ID=/os.id=/p' -e 's/^VERSION_ID=/os.version=/p' /etc/os-release
  fi
fi
if want hardware; then
  printf 'cpus=%s\n' "$(getconf _NPROCESSORS_ONLN 2>/dev/null || nproc)"
  sed -n 's/^MemTotal:[[:space:]]*\([0-9][0-9]*\) kB$/memory.kib=\1/p' /proc/meminfo
fi
if want gpus; then
  if ! command -v nvidia-smi >/dev/null 2>&1; then
    printf 'nvidia-smi=absent\n'
  elif out=$(nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader 2>&1); then
    printf 'nvidia-smi=ok\n'
    printf '%s\n' "$out" | sed -n 's/^\(..*\)$/gpu=\1/p'
  else
    printf 'nvidia-smi=failed\n'
    printf '%s\n' "$out" | head -n 1 | sed 's/^/nvidia-smi.error=/'
  fi
fi
if want runtime; then
  # one systemctl for the three units: it prints their states in the order asked
  i=0
  for state in $(systemctl is-active containerd crio docker 2>/dev/null); do
    i=$((i + 1))
    case "$i:$state" in
      1:active) printf 'runtime.active=containerd\n' ;;
      2:active) printf 'runtime.active=crio\n' ;;
      3:active) printf 'runtime.active=docker\n' ;;
    esac
  done
  for cli in containerd crio docker; do
    if command -v "$cli" >/dev/null 2>&1; then
      printf 'runtime.version.%s=%s\n' "$cli" "$("$cli" --version 2>/dev/null | head -n 1 || true)"
    fi
  done
fi
if want versions; then
  if command -v kubelet >/dev/null 2>&1; then
    printf 'kubelet.version=%s\n' "$(kubelet --version 2>/dev/null | head -n 1 || true)"
  fi
  if command -v kubeadm >/dev/null 2>&1; then
    printf 'kubeadm.version=%s\n' "$(kubeadm version -o short 2>/dev/null | head -n 1 || true)"
  fi
fi
`,
});
