/** `ksp-agent --help`, generated from the settings table so it lists every flag, variable and default. */
import { AGENT_FIELDS } from "./fields.ts";

export function agentHelpText(): string {
  const lines = [
    "Usage: ksp-agent [flags]",
    "",
    "The kube-static-pool agent: one per cluster, serving Cluster Autoscaler's externalgrpc",
    "CloudProvider and joining or removing pool machines. Flags win over environment variables.",
    "",
    "Flags:",
  ];
  for (const field of AGENT_FIELDS) {
    const name = field.flag
      ? `--${field.flag} ${field.value}`
      : `${field.env}=${field.value} (environment only)`;
    const facts = field.flag ? [`env ${field.env}`] : [];
    if (field.required) facts.push("required");
    if (field.default !== undefined) facts.push(`default ${field.default}`);
    lines.push(`  ${name}`, `      ${field.help}${facts.length > 0 ? ` [${facts.join("; ")}]` : ""}`);
  }
  lines.push(
    "  -h, --help",
    "      Print this help and exit.",
    "  --version",
    "      Print the version and exit.",
  );
  return `${lines.join("\n")}\n`;
}
