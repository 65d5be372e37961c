/**
 * Machines: a server-side filtered, keyset-paginated table (up to 1,000 rows a page,
 * rendered virtually so a full page stays responsive), with a detail drawer.
 */
import { Drawer, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import type { Machine } from "../api/types.ts";
import { CursorPager } from "../components/cursor-pager.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";
import { formatBytes, formatTime } from "../components/format.ts";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorPages } from "../hooks/use-cursor-pages.ts";
import { useMachinePage } from "../hooks/use-machines.ts";
import { usePoolNames } from "../hooks/use-pool-names.ts";
import { MachineDetail } from "./machine-detail.tsx";
import { MachineFilterBar, useMachineFilters } from "./machine-filters.tsx";

const PAGE_SIZES = [50, 100, 200, 500, 1000];

function labelsOf(m: Machine) {
  const entries = Object.entries(m.labels);
  return (
    <Space size={[0, 4]} wrap>
      {entries.slice(0, 3).map(([k, v]) => (
        <Tag key={k}>{`${k}=${v}`}</Tag>
      ))}
      {entries.length > 3 ? <Tag>+{entries.length - 3}</Tag> : null}
    </Space>
  );
}

export function Machines() {
  const [filters, setFilters] = useMachineFilters();
  const pages = useCursorPages(JSON.stringify(filters), 50);
  const page = useMachinePage(filters, pages.pageSize, pages.cursor);
  const clusterName = useClusterNames();
  const poolName = usePoolNames();
  const [selected, setSelected] = useState<string | null>(null);
  const rows = page.data?.items ?? [];
  const columns = [
    {
      title: "Hostname",
      dataIndex: "hostname",
      width: 220,
      render: (h: string, m: Machine) => (
        <Typography.Link onClick={() => setSelected(m.id)}>{h}</Typography.Link>
      ),
    },
    { title: "IP", dataIndex: "ip", width: 140 },
    { title: "Status", dataIndex: "status", width: 120, render: (s: string) => <StatusTag status={s} /> },
    {
      title: "Cluster",
      dataIndex: "clusterId",
      width: 140,
      render: (id: string | null) => (id ? clusterName(id) : "free"),
    },
    { title: "Pool", dataIndex: "poolId", width: 140, render: poolName },
    { title: "CPU", dataIndex: "cpuCores", width: 70 },
    { title: "Memory", dataIndex: "memoryBytes", width: 100, render: formatBytes },
    {
      title: "GPU",
      width: 90,
      render: (_: unknown, m: Machine) => (m.gpuCount ? `${m.gpuCount}× ${m.gpuType ?? ""}` : "—"),
    },
    { title: "Labels", width: 260, render: (_: unknown, m: Machine) => labelsOf(m) },
    { title: "Since", dataIndex: "statusChangedAt", width: 180, render: formatTime },
  ];
  return (
    <>
      <Typography.Title level={3}>Machines</Typography.Title>
      <MachineFilterBar filters={filters} onChange={setFilters} />
      <ErrorAlert error={page.error} />
      <Table<Machine>
        rowKey="id"
        size="small"
        columns={columns}
        dataSource={rows}
        loading={page.isFetching}
        pagination={false}
        virtual
        scroll={{ x: 1460, y: 620 }}
        onRow={(m) => ({ onDoubleClick: () => setSelected(m.id) })}
      />
      <div style={{ marginTop: 16 }}>
        <CursorPager
          pages={pages}
          nextCursor={page.data?.nextCursor}
          shown={rows.length}
          sizes={PAGE_SIZES}
        />
      </div>
      <Drawer
        open={selected !== null}
        onClose={() => setSelected(null)}
        size="large"
        title="Machine"
        destroyOnHidden
      >
        {selected ? <MachineDetail machineId={selected} /> : null}
      </Drawer>
    </>
  );
}
