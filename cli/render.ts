/**
 * How a kind of resource prints in each output format: its table columns
 * (some only with -o wide), its describe-like fields for one resource, and
 * its `kind/name` for -o name. JSON and YAML print the API's objects as they
 * came, so they parse back equal.
 */
import {
  cellText,
  type FieldList,
  type OutputFormat,
  renderFields,
  renderJson,
  renderTable,
  renderYaml,
} from "./output.ts";

export interface Column<T> {
  header: string;
  value: (item: T) => unknown;
  /** Only with -o wide. */
  wide?: boolean;
}

export interface ResourceView<T> {
  /** `cluster`, `pool`, `machine`… as -o name prints it. */
  kind: string;
  name: (item: T) => string;
  columns: readonly Column<T>[];
  /** The labelled fields `get` prints for one resource; the table row when absent. */
  fields?: (item: T) => FieldList;
}

export interface PrintOptions {
  output: OutputFormat;
  noHeaders: boolean;
}

function tableOf<T>(view: ResourceView<T>, items: readonly T[], options: PrintOptions, lead?: string[]) {
  const columns = view.columns.filter((column) => options.output === "wide" || !column.wide);
  const headers = options.noHeaders ? null : [...(lead ? ["CHANGE"] : []), ...columns.map((c) => c.header)];
  const rows = items.map((item, i) => [
    ...(lead ? [lead[i] ?? ""] : []),
    ...columns.map((column) => cellText(column.value(item))),
  ]);
  return renderTable(headers, rows);
}

export function renderList<T>(view: ResourceView<T>, items: readonly T[], options: PrintOptions): string {
  switch (options.output) {
    case "json":
      return renderJson(items);
    case "yaml":
      return renderYaml(items);
    case "name":
      return items.map((item) => `${view.kind}/${view.name(item)}\n`).join("");
    default:
      return tableOf(view, items, options);
  }
}

export function renderOne<T>(view: ResourceView<T>, item: T, options: PrintOptions): string {
  switch (options.output) {
    case "json":
      return renderJson(item);
    case "yaml":
      return renderYaml(item);
    case "name":
      return `${view.kind}/${view.name(item)}\n`;
    default:
      return view.fields ? renderFields(view.fields(item)) : tableOf(view, [item], options);
  }
}

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";
export interface Change<T> {
  type: ChangeType;
  object: T;
}

/**
 * What --watch prints for a batch of changes: table rows led by the change
 * (headers only with the first batch), a JSON line per change
 * (`{"type","object"}`, like a Kubernetes watch), a YAML document per change,
 * or `kind/name` lines.
 */
export function renderChanges<T>(
  view: ResourceView<T>,
  changes: readonly Change<T>[],
  options: PrintOptions,
  first: boolean,
): string {
  if (changes.length === 0) return "";
  switch (options.output) {
    case "json":
      return changes.map((change) => `${JSON.stringify(change)}\n`).join("");
    case "yaml":
      return changes.map((change) => `---\n${renderYaml(change)}`).join("");
    case "name":
      return changes.map((change) => `${view.kind}/${view.name(change.object)}\n`).join("");
    default:
      return tableOf(
        view,
        changes.map((change) => change.object),
        { ...options, noHeaders: options.noHeaders || !first },
        changes.map((change) => change.type),
      );
  }
}
