/**
 * The store's change history, like etcd's revision log: one entry per write,
 * kept for a bounded window. Watches replay from it; asking for a revision
 * older than the window is what makes the real server answer 410 Expired.
 */
import type { KubeObject, ResourceName } from "./registry.ts";

export type EventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoredEvent {
  type: EventType;
  resource: ResourceName;
  resourceVersion: number;
  object: KubeObject;
  /** The object before this write; lets filtered watches turn MODIFIED into ADDED/DELETED. */
  prevObject?: KubeObject;
}

export type EventListener = (event: StoredEvent) => void;

export class EventLog {
  #events: StoredEvent[] = [];
  #compactedThrough = 0;
  #listeners = new Set<EventListener>();

  constructor(private readonly limit: number) {}

  append(event: StoredEvent): void {
    this.#events.push(event);
    while (this.#events.length > this.limit) {
      this.#compactedThrough = this.#events.shift()!.resourceVersion;
    }
    for (const listener of [...this.#listeners]) listener(event);
  }

  /** Events after `resourceVersion`, or "expired" when some of them were compacted away. */
  since(resourceVersion: number): StoredEvent[] | "expired" {
    if (resourceVersion < this.#compactedThrough) return "expired";
    return this.#events.filter((e) => e.resourceVersion > resourceVersion);
  }

  /** Drops all history up to and including `resourceVersion`, like `etcdctl compact`. */
  compact(resourceVersion: number): void {
    this.#events = this.#events.filter((e) => e.resourceVersion > resourceVersion);
    this.#compactedThrough = Math.max(this.#compactedThrough, resourceVersion);
  }

  get oldestRetained(): number {
    return this.#compactedThrough;
  }

  subscribe(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
