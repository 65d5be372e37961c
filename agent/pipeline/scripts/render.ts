/**
 * Versioned shell templates. A template's body is fixed text that reads its
 * inputs from `$KSP_*` variables; rendering only prepends a header and one
 * single-quoted assignment per declared parameter. So no value is ever pasted
 * into the script text itself: `$(…)`, backticks, `;` or newlines in a value
 * stay data. Bodies are POSIX sh and run under `set -eu`.
 */
import { shq } from "../quote.ts";

/** Bump when any template changes; the header of every rendered script carries it. */
export const SCRIPTS_VERSION = "1";

export interface ScriptTemplate {
  /** e.g. "join/kubeadm-join" */
  name: string;
  /** this template's own revision, next to SCRIPTS_VERSION in the header */
  version: number;
  /** variables the body reads, each `KSP_…` */
  params: readonly string[];
  body: string;
}

const PARAM = /^KSP_[A-Z0-9_]+$/;

export function defineScript(template: ScriptTemplate): ScriptTemplate {
  for (const p of template.params) {
    if (!PARAM.test(p)) throw new Error(`script ${template.name}: parameter ${p} must match ${PARAM}`);
  }
  return template;
}

/** The header line every rendered script starts with (after the shebang). */
export function scriptHeader(template: ScriptTemplate): string {
  return `# kube-static-pool ${template.name} v${template.version} (scripts v${SCRIPTS_VERSION})`;
}

/**
 * The complete script: header, strict mode, a predictable environment, the
 * quoted parameters, then the body. Every declared parameter must be given
 * and nothing else may be, so a typo cannot leave a variable unset.
 */
export function renderScript(template: ScriptTemplate, values: Readonly<Record<string, string>>): string {
  const given = Object.keys(values);
  const unknown = given.filter((k) => !template.params.includes(k));
  const missing = template.params.filter((p) => !(p in values));
  if (unknown.length > 0 || missing.length > 0) {
    throw new Error(
      `script ${template.name}: unknown parameters [${unknown.join(", ")}], missing [${missing.join(", ")}]`,
    );
  }
  const assignments = template.params.map((p) => `${p}=${shq(values[p] ?? "", p)}`);
  return [
    "#!/bin/sh",
    scriptHeader(template),
    "set -eu",
    "umask 022",
    "export LC_ALL=C",
    'export PATH="$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
    ...assignments,
    template.body.trim(),
    "",
  ].join("\n");
}

/** The command line that runs a rendered script: the script is one quoted argument of `sh -c`. */
export function scriptCommand(template: ScriptTemplate, values: Readonly<Record<string, string>>): string {
  return `sh -c ${shq(renderScript(template, values))} ${shq(`ksp-${template.name.replaceAll("/", "-")}`)}`;
}
