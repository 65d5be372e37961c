/**
 * From a kubeconfig (YAML, or base64 of it) to the one cluster and user the
 * control plane may use: the current context, or the only one. Refusals are
 * AppError validation_failed naming the field, never echoing a value. The
 * YAML parser's own messages quote the offending source line, which may hold
 * a token, so only its error code and position are passed on.
 */
import { parseDocument } from "yaml";
import { readCredentials } from "./credentials.ts";
import { readEndpoint } from "./endpoint.ts";
import { entryPath, FLATTEN_HINT, isMap, optionalString, refuse, type YamlMap } from "./fields.ts";
import { kubeconfigText } from "./input-text.ts";
import type { ParsedKubeconfig } from "./types.ts";

/** A kubeconfig has no use for aliases; a "billion laughs" document needs thousands. */
const MAX_YAML_ALIASES = 50;

export interface ReadKubeconfig {
  /** the YAML text as given (decoded when it came as base64): what is sealed */
  text: string;
  parsed: ParsedKubeconfig;
}

export function parseKubeconfig(input: string): ParsedKubeconfig {
  return readKubeconfig(input).parsed;
}

export function readKubeconfig(input: string): ReadKubeconfig {
  const text = kubeconfigText(input);
  const root = yamlRoot(text);
  const kind = root.kind;
  if (kind !== undefined && kind !== null && kind !== "Config") {
    throw refuse("kind must be Config", "kind");
  }
  const { name: contextName, context } = chosenContext(root);
  const where = entryPath("contexts", contextName, "context");
  const clusterName = optionalString(context, "cluster", where);
  if (clusterName === undefined) throw refuse(`${where}.cluster is missing`, `${where}.cluster`);
  const userName = optionalString(context, "user", where);
  if (userName === undefined) {
    throw refuse(`${where}.user is missing: the control plane needs credentials`, `${where}.user`);
  }
  const cluster = namedEntry(root, "clusters", "cluster", clusterName);
  const user = namedEntry(root, "users", "user", userName);
  return {
    text,
    parsed: {
      contextName,
      ...readEndpoint(cluster, entryPath("clusters", clusterName, "cluster")),
      auth: readCredentials(user, entryPath("users", userName, "user")),
    },
  };
}

function yamlRoot(text: string): YamlMap {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  const [first] = doc.errors;
  if (first) {
    const at = first.linePos?.[0];
    const where = at ? ` at line ${at.line}, column ${at.col}` : "";
    throw refuse(`not valid YAML${where} (${first.code})`);
  }
  let root: unknown;
  try {
    root = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch {
    throw refuse("not valid YAML (too many aliases)");
  }
  if (!isMap(root)) {
    throw refuse("must be a YAML mapping with clusters, contexts and users (or the base64 of one)");
  }
  return root;
}

/** A list of `{name, <inner>: {...}}`, as kubeconfig's clusters, contexts and users are. */
function namedList(root: YamlMap, list: string, inner: string): { name: string; value: YamlMap }[] {
  const raw = root[list];
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw refuse(`${list} must be a list`, list);
  return raw.map((item, i) => {
    if (!isMap(item) || typeof item.name !== "string" || item.name === "") {
      throw refuse(`${list}[${i}] must have a name`, `${list}[${i}]`);
    }
    const value = item[inner];
    if (!isMap(value)) {
      throw refuse(`${entryPath(list, item.name)} has no ${inner} mapping`, entryPath(list, item.name));
    }
    return { name: item.name, value };
  });
}

function namedEntry(root: YamlMap, list: string, inner: string, name: string): YamlMap {
  const found = namedList(root, list, inner).filter((e) => e.name === name);
  if (found.length === 0) {
    throw refuse(
      `${entryPath(list, name)} is named by the context but not in ${list}; ${FLATTEN_HINT}`,
      list,
    );
  }
  if (found.length > 1) throw refuse(`${entryPath(list, name)} appears more than once`, list);
  return found[0]!.value;
}

function chosenContext(root: YamlMap): { name: string; context: YamlMap } {
  const contexts = namedList(root, "contexts", "context");
  const current = optionalString(root, "current-context", "kubeconfig");
  if (current !== undefined) {
    const matches = contexts.filter((c) => c.name === current);
    if (matches.length === 0) {
      throw refuse(
        `current-context names ${entryPath("contexts", current)}, which is not in contexts`,
        "current-context",
      );
    }
    if (matches.length > 1)
      throw refuse(`${entryPath("contexts", current)} appears more than once`, "contexts");
    return { name: current, context: matches[0]!.value };
  }
  if (contexts.length === 1) return { name: contexts[0]!.name, context: contexts[0]!.value };
  if (contexts.length === 0) throw refuse(`has no contexts; ${FLATTEN_HINT}`, "contexts");
  throw refuse(
    `has ${contexts.length} contexts and no current-context: set current-context to the one to use, or ${FLATTEN_HINT}`,
    "current-context",
  );
}
