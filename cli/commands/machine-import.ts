/**
 * `ksp machine import --file F`: machines in bulk from CSV, JSON or YAML, in
 * chunks with a progress bar on a terminal, every row's errors printed.
 *
 * all-or-nothing (the default) must write nothing when any row is in error,
 * but each chunk is its own transaction; so when the file takes more than
 * one chunk, every chunk is first checked with a dry run and written only
 * when none has an error. (A row that becomes invalid between the check and
 * the write, e.g. an address taken meanwhile, fails its chunk alone.)
 */
import { readFile } from "node:fs/promises";
import { type Command, Option } from "commander";
import { type ApiClient, CliError, dataOf, errorFor, type Schema } from "../api.ts";
import { poolRefOf, wholeNumber } from "../args.ts";
import { EXIT_FAILURE } from "../exit-codes.ts";
import {
  chunkImportFile,
  fileRowOf,
  formatOfFile,
  IMPORT_FORMATS,
  type ImportChunk,
  rowCount,
} from "../import-file.ts";
import { renderTable } from "../output.ts";
import { startProgress } from "../progress.ts";
import { type Runtime, type Session, sessionOf } from "../runtime.ts";

type ImportReport = Schema<"MachineImportReport">;
type ImportMode = ImportReport["mode"];

interface ImportOptions {
  file: string;
  format?: string;
  dryRun?: boolean;
  mode: ImportMode;
  overwrite?: boolean;
  pool?: string;
  chunkSize: number;
}

const DEFAULT_CHUNK_ROWS = 1000;

interface ImportQuery {
  dryRun?: "true" | "false";
  mode?: ImportMode;
  overwrite?: "true" | "false";
  clusterId?: string;
  poolId?: string;
}

/** One chunk to POST /v1/machines/import; a 422 import_rejected is a report too (its rows in error). */
async function sendChunk(api: ApiClient, chunk: ImportChunk, query: ImportQuery): Promise<ImportReport> {
  const result =
    chunk.format === "json"
      ? await api.POST("/v1/machines/import", { params: { query }, body: chunk.rows })
      : await api.POST("/v1/machines/import", {
          params: { query },
          // CSV goes as text: the API reads the cells exactly as it would the whole file.
          body: chunk.text as never,
          bodySerializer: (body: unknown) => body as string,
          headers: { "content-type": "text/csv" },
        });
  if (result.response.status === 422) {
    const report = (result.error as { report?: ImportReport } | undefined)?.report;
    if (report) return report;
    throw errorFor(result.response, result.error);
  }
  return dataOf(result);
}

/** The chunks' reports as one, rows numbered as in the file. */
function mergeReports(chunks: readonly ImportChunk[], reports: readonly ImportReport[]): ImportReport {
  const first = reports[0]!;
  const summary = { total: 0, created: 0, updated: 0, unchanged: 0, error: 0, skipped: 0 };
  for (const report of reports) {
    for (const key of Object.keys(summary) as (keyof typeof summary)[]) summary[key] += report.summary[key];
  }
  return {
    ...first,
    applied: reports.some((report) => report.applied),
    operationId: reports.find((report) => report.operationId !== null)?.operationId ?? null,
    summary,
    results: reports.flatMap((report, i) =>
      report.results.map((row) => ({ ...row, row: fileRowOf(chunks[i]!, row.row) })),
    ),
  };
}

async function runChunks(
  session: Session,
  chunks: readonly ImportChunk[],
  query: ImportQuery,
  label: string,
): Promise<ImportReport[]> {
  const progress = startProgress(session.deps.progressStream, label, rowCount(chunks), "rows");
  const reports: ImportReport[] = [];
  let done = 0;
  try {
    for (const chunk of chunks) {
      reports.push(await sendChunk(session.api, chunk, query));
      done += chunk.rowNumbers.length;
      progress.update(done);
    }
  } finally {
    progress.stop();
  }
  return reports;
}

function summaryLine(report: ImportReport): string {
  const { total, created, updated, unchanged, error, skipped } = report.summary;
  const what = report.dryRun ? "dry run, nothing written" : report.applied ? "written" : "nothing written";
  return `${total} rows: ${created} created, ${updated} updated, ${unchanged} unchanged, ${error} error, ${skipped} skipped (${what}, ${report.mode})\n`;
}

function errorTable(report: ImportReport): string {
  const rows = report.results.flatMap((row) =>
    (row.errors ?? []).map((error) => [
      String(row.row),
      row.hostname ?? "",
      row.ip ?? "",
      error.field === "" ? "-" : error.field,
      error.message,
    ]),
  );
  return rows.length === 0 ? "" : renderTable(["ROW", "HOSTNAME", "IP", "FIELD", "ERROR"], rows);
}

export function registerMachineImport(machine: Command, rt: Runtime): void {
  machine
    .command("import")
    .description("Import machines in bulk from a CSV, JSON or YAML file")
    .requiredOption("-f, --file <path>", "the file (- for stdin, then give --format)")
    .addOption(
      new Option("--format <format>", "the file's format (default: from its extension)").choices(
        IMPORT_FORMATS,
      ),
    )
    .option("--dry-run", "validate every row and report what would happen; write nothing")
    .addOption(
      new Option(
        "--mode <mode>",
        "all-or-nothing: any row in error writes nothing; best-effort: valid rows are written",
      )
        .choices(["all-or-nothing", "best-effort"])
        .default("all-or-nothing"),
    )
    .option("--overwrite", "update the descriptive fields of a live machine with the same IP")
    .option("--pool <pool>", "assign the created machines to this pool (<cluster>/<pool>)")
    .option("--chunk-size <rows>", "rows per request", wholeNumber, DEFAULT_CHUNK_ROWS)
    .addHelpText(
      "after",
      "\nCSV: a header row naming fields, e.g. hostname,ip,sshUser,sshPort,cpuCores,memoryBytes,region,zone,labels,tags\n" +
        "(labels as k=v;k2=v2, tags as a;b). JSON/YAML: a list of machines, or machines: holding one.\n" +
        "Exit 1 when any row is in error; the errors are printed one per line (ROW is the file's row or CSV line).",
    )
    .action(async (options: ImportOptions, cmd) => {
      const session = sessionOf(rt, cmd);
      if (options.chunkSize < 1)
        throw new CliError("error: --chunk-size must be at least 1", { exitCode: 2 });
      const fromStdin = options.file === "-";
      if (fromStdin && !options.format)
        throw new CliError("error: --file -: give --format csv|json|yaml", { exitCode: 2 });
      const format = formatOfFile(options.file, options.format);
      let text: string;
      try {
        text = fromStdin ? await session.deps.readStdin() : await readFile(options.file, "utf8");
      } catch (err) {
        throw new CliError(
          `error: cannot read ${options.file}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
          {
            exitCode: 2,
          },
        );
      }
      const chunks = chunkImportFile(text, format, options.chunkSize, options.file);
      const target = options.pool ? poolRefOf(options.pool, undefined) : undefined;
      const query: ImportQuery = {
        mode: options.mode,
        ...(options.overwrite ? { overwrite: "true" } : {}),
        ...(target ? { clusterId: target.cluster, poolId: target.pool } : {}),
      };
      let reports: ImportReport[];
      if (chunks.length === 0) {
        reports = [];
      } else if (options.dryRun) {
        reports = await runChunks(session, chunks, { ...query, dryRun: "true" }, "checking");
      } else if (options.mode === "all-or-nothing" && chunks.length > 1) {
        reports = await runChunks(session, chunks, { ...query, dryRun: "true" }, "checking");
        if (reports.every((report) => report.summary.error === 0)) {
          reports = await runChunks(session, chunks, query, "importing");
        } else {
          // Report as the API does for one all-or-nothing request: rows in error, the rest skipped, nothing written.
          reports = reports.map((report) => ({
            ...report,
            dryRun: false,
            applied: false,
            summary: {
              ...report.summary,
              created: 0,
              updated: 0,
              unchanged: 0,
              skipped: report.summary.total - report.summary.error,
            },
            results: report.results.map((row) =>
              row.errors?.length ? row : { ...row, status: "skipped" as const, machineId: null },
            ),
          }));
        }
      } else {
        reports = await runChunks(session, chunks, query, "importing");
      }
      const report: ImportReport =
        reports.length === 0
          ? {
              dryRun: options.dryRun === true,
              mode: options.mode,
              overwrite: options.overwrite === true,
              applied: false,
              operationId: null,
              summary: { total: 0, created: 0, updated: 0, unchanged: 0, error: 0, skipped: 0 },
              results: [],
            }
          : mergeReports(chunks, reports);
      session.printAnswer("import", options.file, report, () => summaryLine(report) + errorTable(report));
      if (report.summary.error > 0) rt.exitCode = EXIT_FAILURE;
    });
}
