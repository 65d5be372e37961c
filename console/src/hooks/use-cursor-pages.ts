/**
 * Page state for a keyset-paginated list: the cursors of the pages seen so far
 * (to go back), the page size, and a reset whenever the filters change.
 */
import { useCallback, useEffect, useState } from "react";

export interface CursorPages {
  cursor: string | undefined;
  pageIndex: number;
  pageSize: number;
  setPageSize(size: number): void;
  next(nextCursor: string): void;
  previous(): void;
  first(): void;
}

export function useCursorPages(filterKey: string, initialSize = 50): CursorPages {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [pageSize, setSize] = useState(initialSize);
  const first = useCallback(() => setCursors([undefined]), []);
  // biome-ignore lint/correctness/useExhaustiveDependencies: new filters start again at the first page
  useEffect(first, [filterKey, first]);
  return {
    cursor: cursors[cursors.length - 1],
    pageIndex: cursors.length - 1,
    pageSize,
    setPageSize: (size) => {
      setSize(size);
      first();
    },
    next: (nextCursor) => setCursors((c) => [...c, nextCursor]),
    previous: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
    first,
  };
}
