/**
 * One keyset page of a list, and the page state that walks it: the query key names
 * the list and its filters, and new filters start again at the first page.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { Page } from "../api/pages.ts";
import { type CursorPages, useCursorPages } from "./use-cursor-pages.ts";

export function useCursorList<T>(
  key: readonly unknown[],
  fetchPage: (page: { limit: number; cursor: string | undefined }) => Promise<Page<T>>,
) {
  const pages: CursorPages = useCursorPages(JSON.stringify(key));
  const list = useQuery({
    queryKey: [...key, pages.pageSize, pages.cursor],
    placeholderData: keepPreviousData,
    queryFn: () => fetchPage({ limit: pages.pageSize, cursor: pages.cursor }),
  });
  return { pages, list };
}
