/**
 * The agent's live view of the cluster's Nodes: client-node's ListWatch (list,
 * then watch from the list's resourceVersion) feeding a NodeIndex.
 *
 * ListWatch already re-watches when a stream ends cleanly (an API server
 * restart, a load balancer's idle timeout) and relists after a 410 Gone. What
 * it does not do is survive an error: a refused connection or a failed list
 * makes it call its error handlers and stop for good. So an error schedules a
 * restart of the same ListWatch (keeping its resourceVersion, so no relist
 * unless the server says 410) with capped exponential backoff.
 *
 * Every resyncMs a fresh ListWatch lists from scratch and replaces the
 * current one once its list is in: a watch can go quiet without ending (a
 * half-open connection), and a relist is the only way to notice.
 */
import { CoreV1Api, type KubeConfig, ListWatch, type V1Node, Watch } from "@kubernetes/client-node";
import type { Logger } from "../../shared/logger.ts";
import { kubeError } from "./kube-error.ts";
import { NodeIndex, toNodeInfo } from "./node-info.ts";
import type { NodeInformer } from "./types.ts";

export interface NodeInformerOptions {
  logger: Logger;
  /** full relist period; default 5 minutes */
  resyncMs?: number;
  /** restart delay after a watch or list error: baseMs, doubled per consecutive failure, capped at maxMs */
  retry?: { baseMs: number; maxMs: number };
}

const NODES_PATH = "/api/v1/nodes";
const DEFAULT_RESYNC_MS = 5 * 60_000;
const DEFAULT_RETRY = { baseMs: 500, maxMs: 30_000 };

/** One ListWatch and what became of it; a resync replaces the current one. */
interface Generation {
  lw: ListWatch<V1Node>;
  listed: boolean;
  failed: unknown;
}

export function createNodeInformer(kubeConfig: KubeConfig, options: NodeInformerOptions): NodeInformer {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const watch = new Watch(kubeConfig);
  const log = options.logger.child({ component: "node-informer" });
  const resyncMs = options.resyncMs ?? DEFAULT_RESYNC_MS;
  const retry = options.retry ?? DEFAULT_RETRY;
  const index = new NodeIndex();
  const listeners = new Set<() => void>();
  let current: Generation | undefined;
  let running = false;
  let synced = false;
  let failures = 0;
  let restartTimer: NodeJS.Timeout | undefined;
  let resyncTimer: NodeJS.Timeout | undefined;
  let resyncing = false;

  const notify = () => {
    for (const listener of [...listeners]) {
      try {
        listener();
      } catch (err) {
        log.error("a Node listener threw", { err: err instanceof Error ? err.message : String(err) });
      }
    }
  };

  const open = (): Generation => {
    const listFn = async () => {
      const list = await core.listNode();
      gen.listed = true;
      failures = 0;
      return list;
    };
    const gen: Generation = {
      lw: new ListWatch<V1Node>(NODES_PATH, watch, listFn, false),
      listed: false,
      failed: undefined,
    };
    const live = () => running && current === gen;
    gen.lw.on("add", (node) => live() && changed(() => index.upsert(toNodeInfo(node))));
    gen.lw.on("update", (node) => live() && changed(() => index.upsert(toNodeInfo(node))));
    gen.lw.on("delete", (node) => live() && changed(() => index.remove(node.metadata?.name ?? "")));
    gen.lw.on("error", (err) => {
      gen.failed = err ?? new Error("watch failed");
      if (live() && synced) scheduleRestart(gen);
    });
    return gen;
  };

  const changed = (apply: () => void) => {
    failures = 0;
    apply();
    notify();
  };

  const scheduleRestart = (gen: Generation) => {
    if (restartTimer) return;
    const delay = Math.min(retry.baseMs * 2 ** failures, retry.maxMs);
    failures += 1;
    log.warn("Node watch failed; restarting", {
      err: kubeError("watch Nodes", gen.failed).message,
      delayMs: delay,
    });
    restartTimer = setTimeout(() => {
      restartTimer = undefined;
      if (!running || current !== gen) return;
      gen.failed = undefined;
      // start() resumes from the last resourceVersion; a failure lands in the error handler again.
      gen.lw.start().catch((err: unknown) => {
        gen.failed = err;
        scheduleRestart(gen);
      });
    }, delay);
  };

  const resync = async () => {
    if (!running || resyncing) return;
    resyncing = true;
    const next = open();
    try {
      await next.lw.start().catch((err: unknown) => {
        next.failed = err;
      });
      if (!running || !next.listed) {
        await next.lw.stop();
        if (running) log.warn("Node resync failed", { err: kubeError("list Nodes", next.failed).message });
        return;
      }
      const previous = current;
      current = next;
      clearTimeout(restartTimer);
      restartTimer = undefined;
      index.replaceAll(next.lw.list().map(toNodeInfo));
      notify();
      await previous?.lw.stop();
      if (next.failed !== undefined) scheduleRestart(next);
      log.debug("Nodes relisted", { nodes: index.list().length });
    } finally {
      resyncing = false;
    }
  };

  return {
    synced: () => synced,
    byName: (name) => index.get(name),
    byProviderId: (providerId) => index.byProviderId(providerId),
    list: () => index.list(),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async start() {
      if (running) return;
      running = true;
      const gen = open();
      current = gen;
      await gen.lw.start().catch((err: unknown) => {
        gen.failed = err;
      });
      if (current !== gen) return; // stopped meanwhile
      if (!gen.listed) {
        running = false;
        current = undefined;
        await gen.lw.stop();
        throw kubeError("cannot list Nodes", gen.failed);
      }
      synced = true;
      notify();
      if (gen.failed !== undefined) scheduleRestart(gen);
      resyncTimer = setInterval(() => void resync(), resyncMs);
      resyncTimer.unref?.();
      log.info("Node informer synced", { nodes: index.list().length });
    },
    async stop() {
      running = false;
      synced = false;
      clearTimeout(restartTimer);
      clearInterval(resyncTimer);
      restartTimer = undefined;
      resyncTimer = undefined;
      const gen = current;
      current = undefined;
      await gen?.lw.stop();
    },
  };
}
