/**
 * A keyset-paginated list as a table: the query's error, its rows, and previous/next
 * under them. The lists with a plain table (audit, events, orders, strategies, query
 * templates) use it; machines keeps its own (a virtual table of up to 1,000 rows).
 */
import { Table, type TableColumnsType } from "antd";
import type { CursorPages } from "../hooks/use-cursor-pages.ts";
import { CursorPager } from "./cursor-pager.tsx";
import { ErrorAlert } from "./error-alert.tsx";

/** What a list query gives this table (a react-query result of one keyset page). */
export interface CursorList<T> {
  data?: { items: T[]; nextCursor?: string | null } | undefined;
  error: unknown;
  isFetching: boolean;
}

export function CursorTable<T extends { id: string }>({
  list,
  pages,
  columns,
}: {
  list: CursorList<T>;
  pages: CursorPages;
  columns: TableColumnsType<T>;
}) {
  return (
    <>
      <ErrorAlert error={list.error} />
      <Table<T>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={list.data?.items ?? []}
        loading={list.isFetching}
        pagination={false}
        scroll={{ x: true }}
      />
      <div style={{ marginTop: 16 }}>
        <CursorPager pages={pages} nextCursor={list.data?.nextCursor} shown={list.data?.items.length ?? 0} />
      </div>
    </>
  );
}
