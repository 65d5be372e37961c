/**
 * The in-memory object store: one global resourceVersion counter (like etcd's
 * revision), optimistic concurrency on every write, and an event log for
 * watches. All methods are synchronous, so two racing HTTP requests are
 * serialised exactly like two etcd transactions: one wins, one conflicts.
 */
import { randomUUID } from "node:crypto";
import type { Clock } from "../../../shared/clock.ts";
import { EventLog, type EventType } from "./event-log.ts";
import { kubeTime, resolveName, specOf, validateName } from "./object-meta.ts";
import { deepEqual } from "./patch.ts";
import { apiVersionOf, type KubeObject, type ResourceDef, type ResourceName, resources } from "./registry.ts";
import type { Matcher } from "./selectors.ts";
import { errors } from "./status.ts";

export interface StoreOptions {
  clock: Clock;
  /** Writes kept for watch replay before older resourceVersions answer 410. */
  historyLimit: number;
}

export interface WriteOptions {
  /** Keep the given status on create instead of the strategy's reset (test seeding). */
  keepStatus?: boolean;
  subresource?: "status";
}

export interface DeletePreconditions {
  uid?: string;
  resourceVersion?: string;
}

export interface ListOptions {
  namespace?: string;
  matches?: Matcher;
}

export const initialNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

const keyOf = (namespace: string | undefined, name: string) => `${namespace ?? ""}/${name}`;

export class KubeStore {
  readonly events: EventLog;
  #revision = 0;
  #objects = new Map<ResourceName, Map<string, KubeObject>>();
  readonly #clock: Clock;

  constructor(options: StoreOptions) {
    this.#clock = options.clock;
    this.events = new EventLog(options.historyLimit);
    for (const name of initialNamespaces) this.create("namespaces", undefined, { metadata: { name } });
  }

  get resourceVersion(): number {
    return this.#revision;
  }

  create(resource: ResourceName, namespace: string | undefined, input: KubeObject, opts: WriteOptions = {}) {
    const def: ResourceDef = resources[resource];
    const ns = this.#scope(def, namespace ?? input.metadata?.namespace);
    const obj = structuredClone(input);
    obj.metadata ??= {};
    def.normalize?.(obj);
    const name = resolveName(def, obj);
    validateName(def, name);
    if (ns !== undefined) this.#requireNamespace(ns);
    if (this.#bucket(resource).has(keyOf(ns, name))) throw errors.alreadyExists(def, name);
    const { deletionTimestamp: _d, resourceVersion: _rv, ...meta } = obj.metadata;
    obj.metadata = { ...meta, name, uid: randomUUID(), generation: 1 };
    obj.metadata.creationTimestamp = kubeTime(this.#clock.now());
    if (ns === undefined) delete obj.metadata.namespace;
    else obj.metadata.namespace = ns;
    if (def.initialStatus && !opts.keepStatus) obj.status = def.initialStatus();
    return this.#write(def, "ADDED", obj);
  }

  get(resource: ResourceName, namespace: string | undefined, name: string): KubeObject {
    const def = resources[resource];
    const found = this.#bucket(resource).get(keyOf(this.#scope(def, namespace), name));
    if (!found) throw errors.notFound(def, name);
    return structuredClone(found);
  }

  /** Objects sorted by namespace/name (etcd key order), plus the revision the list reflects. */
  list(resource: ResourceName, opts: ListOptions = {}): { items: KubeObject[]; resourceVersion: number } {
    const def = resources[resource];
    const ns = def.namespaced ? opts.namespace : undefined;
    const items = [...this.#bucket(resource).entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, obj]) => obj)
      .filter((o) => ns === undefined || o.metadata.namespace === ns)
      .filter((o) => !opts.matches || opts.matches(o))
      .map((o) => structuredClone(o));
    return { items, resourceVersion: this.#revision };
  }

  /**
   * PUT semantics: a non-empty metadata.resourceVersion must equal the stored
   * one (else 409 Conflict); an empty one is an unconditional update, where
   * the resource allows it (else 422). The main
   * endpoint keeps the stored status, `/status` keeps everything but status.
   */
  update(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    input: KubeObject,
    opts: WriteOptions = {},
  ) {
    const def: ResourceDef = resources[resource];
    const body = structuredClone(input);
    body.metadata ??= {};
    def.normalize?.(body);
    if (body.metadata.name && body.metadata.name !== name) {
      throw errors.badRequest(
        `the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`,
      );
    }
    const current = this.get(resource, namespace, name);
    if (def.namespaced && body.metadata.namespace && body.metadata.namespace !== current.metadata.namespace) {
      throw errors.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    const precondition = body.metadata.resourceVersion;
    if (!precondition && def.unconditionalUpdate === false) {
      // what the generic registry answers (a GroupKind made of group and resource)
      throw errors.invalid(`${def.resource}${def.group ? `.${def.group}` : ""}`, name, [
        {
          reason: "FieldValueInvalid",
          field: "metadata.resourceVersion",
          message: "Invalid value: 0x0: must be specified for an update",
        },
      ]);
    }
    if (precondition && precondition !== current.metadata.resourceVersion) {
      throw errors.staleResourceVersion(def, name);
    }
    let next: KubeObject;
    if (opts.subresource === "status") {
      next = { ...current, status: body.status };
    } else {
      const { uid, creationTimestamp, generation, deletionTimestamp, namespace: ns } = current.metadata;
      next = { ...body, metadata: { ...body.metadata, name, uid, creationTimestamp, generation } };
      if (deletionTimestamp) next.metadata.deletionTimestamp = deletionTimestamp;
      if (ns) next.metadata.namespace = ns;
      if (def.hasStatus) next.status = current.status;
      if (!deepEqual(specOf(next), specOf(current))) next.metadata.generation = (generation ?? 0) + 1;
    }
    next.metadata.resourceVersion = current.metadata.resourceVersion;
    // A write that changes nothing is a no-op upstream too: same resourceVersion, no watch event.
    if (deepEqual({ ...next, apiVersion: current.apiVersion, kind: current.kind }, current)) return current;
    return this.#write(def, "MODIFIED", next, current);
  }

  delete(
    resource: ResourceName,
    namespace: string | undefined,
    name: string,
    preconditions: DeletePreconditions = {},
  ) {
    const def = resources[resource];
    const current = this.get(resource, namespace, name);
    const meta = current.metadata;
    if (preconditions.uid && preconditions.uid !== meta.uid) {
      throw errors.conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${meta.uid}`,
      );
    }
    if (preconditions.resourceVersion && preconditions.resourceVersion !== meta.resourceVersion) {
      throw errors.conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ` +
          `ResourceVersion in object meta: ${meta.resourceVersion}`,
      );
    }
    // The namespace controller would empty a deleted namespace; do it at once.
    if (resource === "namespaces") this.#deleteNamespaceContents(name);
    return this.#write(def, "DELETED", current, current);
  }

  /** Forget history up to now, as etcd compaction does; older watches then get 410. */
  compact(resourceVersion = this.#revision): void {
    this.events.compact(resourceVersion);
  }

  #deleteNamespaceContents(namespace: string): void {
    for (const def of Object.values(resources)) {
      if (!def.namespaced) continue;
      for (const obj of this.list(def.resource as ResourceName, { namespace }).items) {
        this.delete(def.resource as ResourceName, namespace, obj.metadata.name!);
      }
    }
  }

  #write(def: ResourceDef, type: EventType, obj: KubeObject, prev?: KubeObject): KubeObject {
    const resource = def.resource as ResourceName;
    this.#revision += 1;
    const stored: KubeObject = {
      apiVersion: apiVersionOf(def),
      kind: def.kind,
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(this.#revision) },
    };
    stored.apiVersion = apiVersionOf(def);
    stored.kind = def.kind;
    const key = keyOf(stored.metadata.namespace, stored.metadata.name!);
    if (type === "DELETED") this.#bucket(resource).delete(key);
    else this.#bucket(resource).set(key, stored);
    const event = { type, resource, resourceVersion: this.#revision, object: structuredClone(stored) };
    this.events.append(prev ? { ...event, prevObject: prev } : event);
    return structuredClone(stored);
  }

  #scope(def: ResourceDef, namespace: string | undefined): string | undefined {
    if (!def.namespaced) return undefined;
    if (!namespace)
      throw errors.badRequest("the server could not find the requested resource: namespace is required");
    return namespace;
  }

  #requireNamespace(namespace: string): void {
    if (!this.#bucket("namespaces").has(keyOf(undefined, namespace))) {
      throw errors.notFound(resources.namespaces, namespace);
    }
  }

  #bucket(resource: ResourceName): Map<string, KubeObject> {
    let bucket = this.#objects.get(resource);
    if (!bucket) {
      bucket = new Map();
      this.#objects.set(resource, bucket);
    }
    return bucket;
  }
}
