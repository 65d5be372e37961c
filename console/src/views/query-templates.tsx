/** Query templates: stored machine queries used by strategies and the device query. */
import { Tag, Typography } from "antd";
import { api, unwrap } from "../api/client.ts";
import type { QueryTemplate } from "../api/types.ts";
import { CursorTable } from "../components/cursor-table.tsx";
import { formatTime } from "../components/format.ts";
import { useCursorList } from "../hooks/use-cursor-list.ts";

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
  const { pages, list } = useCursorList(["query-templates"], (page) =>
    unwrap(api.GET("/v1/query-templates", { params: { query: page } })),
  );
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
      <CursorTable list={list} pages={pages} columns={columns} />
    </>
  );
}
