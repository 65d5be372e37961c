/**
 * Runs a pool hook (operator-written shell text, read from stdin) with the
 * machine's facts in KSP_* environment variables. The hook is written to a
 * private temp file, so neither it nor the parameters are ever parsed as
 * part of this script, and it stays off the command line. A `#!` line picks
 * the interpreter; otherwise it runs under `sh -e`. Its stdin is empty.
 * On success KSP_MARKER (if set) records it.
 */
import { defineScript } from "./render.ts";

export const HOOK_SCRIPT = defineScript({
  name: "hooks/run",
  version: 1,
  params: [
    "KSP_HOOK_NAME",
    "KSP_NODE_NAME",
    "KSP_PROVIDER_ID",
    "KSP_API_ENDPOINT",
    "KSP_POOL",
    "KSP_MACHINE_ID",
    "KSP_MARKER",
    "KSP_MARKER_CONTENT",
  ],
  body: String.raw`
export KSP_HOOK_NAME KSP_NODE_NAME KSP_PROVIDER_ID KSP_API_ENDPOINT KSP_POOL KSP_MACHINE_ID
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/hook"
chmod 0700 "$dir/hook"
first=""
IFS= read -r first < "$dir/hook" || true
echo "[ksp] running $KSP_HOOK_NAME hook"
case "$first" in
  '#!'*) "$dir/hook" < /dev/null ;;
  *) sh -e "$dir/hook" < /dev/null ;;
esac
if [ -n "$KSP_MARKER" ]; then
  mkdir -p "$(dirname "$KSP_MARKER")"
  printf '%s\n' "$KSP_MARKER_CONTENT" > "$KSP_MARKER"
fi
`,
});
