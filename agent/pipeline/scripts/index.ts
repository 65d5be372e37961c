/** Every built-in script template, e.g. for listing their versions or linting them all. */
import { FACTS_SCRIPT } from "./facts.ts";
import { HOOK_SCRIPT } from "./hook.ts";
import {
  CONFIG_DIR_SCRIPT,
  KUBEADM_JOIN_SCRIPT,
  KUBELET_ACTIVE_SCRIPT,
  MARKER_CHECK_SCRIPT,
} from "./join.ts";
import { KUBELET_STATE_SCRIPT } from "./kubelet-state.ts";
import { COMMANDS_SCRIPT, SWAP_AND_TIME_SCRIPT, TCP_CHECK_SCRIPT } from "./preflight.ts";
import { HOSTNAME_SCRIPT, KERNEL_MODULES_SCRIPT, SWAP_OFF_SCRIPT, SYSCTL_SCRIPT } from "./prepare.ts";
import type { ScriptTemplate } from "./render.ts";
import {
  CNI_CLEANUP_SCRIPT,
  IPTABLES_CLEANUP_SCRIPT,
  KUBEADM_RESET_SCRIPT,
  KUBELET_STATE_CLEANUP_SCRIPT,
} from "./reset.ts";

export { renderScript, SCRIPTS_VERSION, type ScriptTemplate, scriptCommand, scriptHeader } from "./render.ts";

export const ALL_SCRIPTS: readonly ScriptTemplate[] = [
  FACTS_SCRIPT,
  KUBELET_STATE_SCRIPT,
  COMMANDS_SCRIPT,
  SWAP_AND_TIME_SCRIPT,
  TCP_CHECK_SCRIPT,
  SWAP_OFF_SCRIPT,
  KERNEL_MODULES_SCRIPT,
  SYSCTL_SCRIPT,
  HOSTNAME_SCRIPT,
  CONFIG_DIR_SCRIPT,
  KUBEADM_JOIN_SCRIPT,
  KUBELET_ACTIVE_SCRIPT,
  MARKER_CHECK_SCRIPT,
  HOOK_SCRIPT,
  KUBEADM_RESET_SCRIPT,
  CNI_CLEANUP_SCRIPT,
  IPTABLES_CLEANUP_SCRIPT,
  KUBELET_STATE_CLEANUP_SCRIPT,
];
