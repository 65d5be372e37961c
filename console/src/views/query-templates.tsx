/** Query templates: stored machine queries used by strategies and the device query. */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Table, Tag, Typography } from "antd";
import { api, unwrap } from "../api/client.ts";
import type { QueryTemplate } from "../api/types.ts";
import { CursorPager } from "../components/cursor-pager.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";
import { formatTime } from "../components/format.ts";
import { useCursorPages } from "../hooks/use-cursor-pages.ts";

type Block = QueryTemplate["groups"][number]["blocks"][number];

function blockText(b: Block): string {
  const value =
    b.value === undefined ? "" : ` ${Array.isArray(b.value) ? `(${b.value.join(", ")})` : b.value}`;
  return `${b.type === "device" ? "" : `${b.type}:`}${b.key} ${b.operator}${value}`;
}

function conditions(t: QueryTemplate) {
  return t.groups.map((g, i) => (
    // groups have no id; their position is their identity
    // biome-ignore lint/suspicious/noArrayIndexKey: see above
    <div key={i}>
      {i > 0 ? <Tag>{t.logic}</Tag> : null}({g.blocks.map((b) => blockText(b)).join(` ${g.logic} `)})
    </div>
  ));
}

export function QueryTemplates() {
  const pages = useCursorPages("");
  const list = useQuery({
    queryKey: ["query-templates", pages.pageSize, pages.cursor],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET("/v1/query-templates", {
          params: { query: { limit: pages.pageSize, cursor: pages.cursor } },
        }),
      ),
  });
  const columns = [
    { title: "Name", dataIndex: "name" },
    { title: "Description", dataIndex: "description", render: (d: string | null) => d ?? "—" },
    { title: "Conditions", render: (_: unknown, t: QueryTemplate) => conditions(t) },
    { title: "Version", dataIndex: "version" },
    { title: "Updated", dataIndex: "updatedAt", render: formatTime },
  ];
  return (
    <>
      <Typography.Title level={3}>Query templates</Typography.Title>
      <ErrorAlert error={list.error} />
      <Table
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
