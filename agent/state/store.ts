/**
 * The current view, and how it changes. Two sources feed it:
 *
 * - full states polled from the control plane (`replace`), and
 * - our own mutations (`applyLocal`, `hide`), applied the moment the control
 *   plane confirmed them, so TargetSize counts a scale-up as soon as
 *   IncreaseSize returns instead of one poll later.
 *
 * A poll can be older than a local change (it was read before the change
 * committed but arrived after it). Each local change is therefore kept as an
 * overlay until a poll supersedes it: one showing the machine at the same or
 * a newer `version`, or one whose request was sent after the change was made
 * (the control plane answers from a snapshot taken after our change, so it is
 * authoritative, e.g. for a cancelled machine that left the cluster).
 *
 * A third source sits on top of both: transitions queued while the control
 * plane could not be reached (transition-queue.ts), shown at the version they
 * will have once applied. No poll supersedes them: they stay until the queue
 * says otherwise (`setPending`), i.e. until they were flushed or refused.
 */
import type { AgentMachine, AgentState } from "../../proto/agent-api.ts";
import { type AgentView, buildView } from "./view.ts";

/** A machine we changed ourselves, at the version the control plane gave it. */
export interface LocalChange {
  machineId: string;
  version: number;
  /** fields to set over what we know of the machine */
  set: Partial<AgentMachine>;
}

interface Overlay {
  machine: AgentMachine;
  /** the mutation counter when the overlay was made */
  mark: number;
}

interface Hidden {
  version: number;
  mark: number;
}

export interface StateStore {
  view(): AgentView;
  /** the ETag of the last full state; null before the first one */
  etag(): string | null;
  hasState(): boolean;
  /** read before sending a poll: tells `replace` which local changes the answer already includes */
  mutationMark(): number;
  replace(state: AgentState, etag: string | null, markAtRequest: number): void;
  applyLocal(changes: readonly LocalChange[]): void;
  /**
   * Replaces the queued, unconfirmed changes shown over everything else (in
   * order per machine), and applies `confirmed` as `applyLocal` does, in the
   * same update of the view.
   */
  setPending(pending: readonly LocalChange[], confirmed?: readonly LocalChange[]): void;
  /** stop listing a machine as an instance while it stays at this version (a failure CA deleted) */
  hide(machineId: string, version: number): void;
  /** called after every change of the view (a poll that changed it, a local change); returns unsubscribe */
  subscribe(listener: () => void): () => void;
}

export function createStateStore(): StateStore {
  let base: AgentState | null = null;
  let baseById = new Map<string, AgentMachine>();
  let etag: string | null = null;
  let mark = 0;
  const overlays = new Map<string, Overlay>();
  /** machine id → its queued changes, oldest first */
  let pending = new Map<string, LocalChange[]>();
  const hidden = new Map<string, Hidden>();
  let current: AgentView = buildView(null);
  const listeners = new Set<() => void>();

  const notify = () => {
    for (const listener of listeners) {
      try {
        listener();
      } catch {
        // a listener's failure is its own; the view and the other listeners go on
      }
    }
  };

  const rebuildView = () => {
    if (!base) {
      current = buildView(null);
      return;
    }
    const machines = base.machines.map((m) => withPending(overlays.get(m.id)?.machine ?? m));
    for (const [id, overlay] of overlays) if (!baseById.has(id)) machines.push(withPending(overlay.machine));
    const versions = new Map(machines.map((m) => [m.id, m.version]));
    const hiddenIds = new Set(
      [...hidden].filter(([id, h]) => versions.get(id) === h.version).map(([id]) => id),
    );
    current = buildView({ ...base, machines }, hiddenIds);
  };

  /** a machine with its queued changes applied; queued changes of a machine we do not know are not shown */
  const withPending = (machine: AgentMachine): AgentMachine => {
    const changes = pending.get(machine.id);
    if (!changes) return machine;
    let shown = machine;
    for (const change of changes) shown = { ...shown, ...change.set, version: change.version };
    return shown;
  };

  const rebuild = () => {
    rebuildView();
    notify();
  };

  /** what we know of a machine as confirmed by the control plane (queued changes left out) */
  const effectiveMachine = (id: string): AgentMachine | undefined =>
    overlays.get(id)?.machine ?? baseById.get(id);

  const applyConfirmed = (changes: readonly LocalChange[]) => {
    mark++;
    for (const change of changes) {
      const known = effectiveMachine(change.machineId);
      // an older local record never replaces a newer one
      if (known && known.version > change.version) continue;
      const machine = { ...(known ?? blankMachine(change.machineId)), ...change.set };
      overlays.set(change.machineId, { machine: { ...machine, version: change.version }, mark });
    }
  };

  return {
    view: () => current,
    etag: () => etag,
    hasState: () => base !== null,
    mutationMark: () => mark,
    replace(state, newEtag, markAtRequest) {
      const polled = new Map(state.machines.map((m) => [m.id, m]));
      const superseded = (id: string, version: number, madeAt: number) => {
        const seen = polled.get(id);
        return (seen !== undefined && seen.version >= version) || madeAt <= markAtRequest;
      };
      for (const [id, overlay] of overlays) {
        if (superseded(id, overlay.machine.version, overlay.mark)) overlays.delete(id);
      }
      for (const [id, entry] of hidden) {
        // hidden only while the failure is unchanged: any newer version brings the machine back
        const seen = polled.get(id);
        if (seen ? seen.version > entry.version : entry.mark <= markAtRequest) hidden.delete(id);
      }
      // queued changes are not the poll's to judge: they stay until the queue settles them
      base = state;
      baseById = polled;
      etag = newEtag;
      rebuild();
    },
    applyLocal(changes) {
      if (changes.length === 0) return;
      applyConfirmed(changes);
      rebuild();
    },
    setPending(changes, confirmed = []) {
      if (confirmed.length > 0) applyConfirmed(confirmed);
      const next = new Map<string, LocalChange[]>();
      for (const change of changes) {
        const list = next.get(change.machineId);
        if (list) list.push(change);
        else next.set(change.machineId, [change]);
      }
      if (confirmed.length === 0 && next.size === 0 && pending.size === 0) return;
      pending = next;
      rebuild();
    },
    hide(machineId, version) {
      mark++;
      hidden.set(machineId, { version, mark });
      rebuild();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

/** What we assume of a machine we only know from an allocation answer, until the next poll fills it in. */
function blankMachine(id: string): AgentMachine {
  return {
    id,
    hostname: "",
    ip: "",
    ssh: { user: "root", port: 22, keyRef: null },
    hostKeyFingerprint: null,
    status: "available",
    statusReason: null,
    desiredState: "absent",
    providerId: null,
    nodeName: null,
    poolId: null,
    version: 0,
    labels: {},
    taints: [],
    resources: { cpuCores: 0, memoryBytes: 0, gpuCount: 0, gpuType: null },
    region: null,
    zone: null,
    lastError: null,
    statusChangedAt: new Date(0).toISOString(),
    drainIntent: null,
  };
}
