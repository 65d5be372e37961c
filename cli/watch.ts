/**
 * `--watch` on list commands. The list routes send no ETag, so each poll
 * fetches the list again and compares it with the last one by id; only what
 * was added, changed or removed is printed. Ctrl-C (SIGINT) ends the watch
 * with exit 0.
 */
import type { Change, ResourceView } from "./render.ts";
import { renderChanges, renderList } from "./render.ts";
import type { Session } from "./runtime.ts";

export function diffSnapshots<T>(before: ReadonlyMap<string, T>, after: ReadonlyMap<string, T>): Change<T>[] {
  const changes: Change<T>[] = [];
  for (const [id, object] of after) {
    const old = before.get(id);
    if (old === undefined) changes.push({ type: "ADDED", object });
    else if (JSON.stringify(old) !== JSON.stringify(object)) changes.push({ type: "MODIFIED", object });
  }
  for (const [id, object] of before) {
    if (!after.has(id)) changes.push({ type: "DELETED", object });
  }
  return changes;
}

export async function listOrWatch<T>(
  session: Session,
  view: ResourceView<T>,
  fetchItems: () => Promise<T[]>,
  options: { watch?: boolean; watchInterval: number },
  keyOf: (item: T) => string = (item) => (item as { id: string }).id,
): Promise<void> {
  const first = await fetchItems();
  if (!options.watch) {
    session.printList(view, first);
    return;
  }
  const { deps, config } = session;
  const stop = deps.onInterrupt();
  // The first listing prints as watch events too, so a script reads one shape from the start.
  let snapshot = new Map(first.map((item) => [keyOf(item), item]));
  const initial = first.map((object) => ({ type: "ADDED" as const, object }));
  if (config.output === "table" || config.output === "wide") {
    deps.stdout(
      initial.length > 0 ? renderChanges(view, initial, config, true) : renderList(view, [], config),
    );
  } else {
    deps.stdout(renderChanges(view, initial, config, true));
  }
  let headersShown = initial.length > 0;
  while (!stop.aborted) {
    await deps.sleep(options.watchInterval, stop);
    if (stop.aborted) break;
    const next = new Map((await fetchItems()).map((item) => [keyOf(item), item]));
    const changes = diffSnapshots(snapshot, next);
    deps.stdout(renderChanges(view, changes, config, !headersShown));
    headersShown ||= changes.length > 0;
    snapshot = next;
  }
}
