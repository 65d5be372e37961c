/**
 * Keyset pages of any size: the API caps one request at API_PAGE_LIMIT items, so a
 * larger page (up to 1,000 rows in the machines table) is read as consecutive API
 * pages, following nextCursor. Still server-side pagination: nothing beyond the
 * page asked for is ever loaded.
 */
export const API_PAGE_LIMIT = 500;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type PageFetcher<T> = (limit: number, cursor: string | undefined) => Promise<Page<T>>;

export async function fetchPage<T>(
  fetchOne: PageFetcher<T>,
  size: number,
  cursor?: string,
): Promise<Page<T>> {
  const items: T[] = [];
  let next: string | undefined = cursor;
  do {
    const page = await fetchOne(Math.min(API_PAGE_LIMIT, size - items.length), next);
    items.push(...page.items);
    next = page.nextCursor ?? undefined;
  } while (next && items.length < size);
  return { items, nextCursor: next ?? null };
}

/** Every item of a short list (clusters, pools, templates): stops at `max` to stay bounded. */
export async function fetchAll<T>(fetchOne: PageFetcher<T>, max = 5000): Promise<T[]> {
  return (await fetchPage(fetchOne, max)).items;
}
