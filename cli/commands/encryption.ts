/**
 * `ksp encryption status|rotate` (admin): where secrets at rest stand against
 * the control plane's encryption keys, and a rotation pass on demand, so a
 * key change can be finished without waiting for the scheduled job. Counts
 * and key ids only: the API never sends a value or key material.
 */
import type { Command } from "commander";
import { dataOf, type Schema } from "../api.ts";
import { EXIT_FAILURE } from "../exit-codes.ts";
import { renderFields, renderTable } from "../output.ts";
import { type Runtime, sessionOf } from "../runtime.ts";

type EncryptionStatus = Schema<"EncryptionStatus">;
type EncryptionRotation = Schema<"EncryptionRotation">;

/** Passes `rotate --all` makes at most before it stops and says so. */
const MAX_PASSES = 1_000;

const byKeyText = (byKeyId: Record<string, number>) =>
  Object.entries(byKeyId)
    .map(([id, n]) => `${id}=${n}`)
    .join(" ") || "-";

export function statusText(status: EncryptionStatus, noHeaders: boolean): string {
  const fields = renderFields([
    ["Current key", status.currentKeyId ?? "none (KSP_ENCRYPTION_KEYS is not set)"],
    ["Keys", status.keyIds.join(", ") || "-"],
    ["Pending rotation", String(status.pendingRotation)],
    ["Unknown key ids", status.unknownKeyIds.join(", ") || "none"],
  ]);
  const rows = status.values.map((v) => [v.table, String(v.total), byKeyText(v.byKeyId)]);
  return `${fields}\n${renderTable(noHeaders ? null : ["TABLE", "TOTAL", "BY KEY"], rows)}`;
}

function rotationText(passes: EncryptionRotation[]): string {
  const last = passes.at(-1)!;
  const total = (key: "rotated" | "skipped" | "failed") => passes.reduce((n, p) => n + p[key], 0);
  const lines = [
    renderFields([
      ["Current key", last.currentKeyId],
      ["Passes", String(passes.length)],
      ["Rotated", String(total("rotated"))],
      ["Skipped", String(total("skipped"))],
      ["Failed", String(total("failed"))],
      ["Pending rotation", String(last.pendingRotation)],
      ["Complete", last.complete ? "yes" : "no (run again)"],
    ]),
  ];
  const failures = passes.flatMap((p) => p.failures);
  if (failures.length > 0) {
    lines.push(
      renderTable(
        ["TABLE", "ID", "KEY ID", "REASON"],
        failures.map((f) => [f.table, f.id, f.keyId, f.reason]),
      ),
    );
  }
  return lines.join("\n");
}

export function registerEncryptionCommands(program: Command, rt: Runtime): void {
  const encryption = program.command("encryption").description("Encryption of secrets at rest (admin)");

  encryption
    .command("status")
    .description(
      "Secrets per table and encryption key, how many wait for rotation, and stored key ids the control " +
        "plane does not hold (exit 1 when there are any)",
    )
    .action(async (_options, cmd: Command) => {
      const session = sessionOf(rt, cmd);
      const status = dataOf(await session.api.GET("/v1/encryption"));
      session.printAnswer("encryption", status.currentKeyId ?? "none", status, () =>
        statusText(status, session.config.noHeaders),
      );
      if (status.unknownKeyIds.length > 0) rt.exitCode = EXIT_FAILURE;
    });

  encryption
    .command("rotate")
    .description(
      "Re-encrypt secrets still on an older key with the current one, one bounded pass " +
        "(--all: passes until none is left); exit 1 when some could not be opened",
    )
    .option("--all", "repeat passes until every value was visited")
    .action(async (options: { all?: boolean }, cmd: Command) => {
      const session = sessionOf(rt, cmd);
      const passes: EncryptionRotation[] = [];
      do {
        passes.push(dataOf(await session.api.POST("/v1/encryption/rotate")));
      } while (options.all && !passes.at(-1)!.complete && passes.length < MAX_PASSES);
      const last = passes.at(-1)!;
      session.printAnswer("encryption", last.currentKeyId, options.all ? passes : last, () =>
        rotationText(passes),
      );
      if (passes.some((p) => p.failed > 0)) rt.exitCode = EXIT_FAILURE;
    });
}
