/**
 * Clusters, agent and kubeconfig ones side by side: how each is reached, its agent's health,
 * its API server's last check (the error on hover), version, Nodes and capacity from whichever
 * source has them (the agent's reports first, else the API server check). Filters and sort are
 * GET /v1/clusters' own, one keyset page at a time; admins rotate registration tokens here.
 */
import { Input, Select, Space, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import type { operations } from "../api/schema.ts";
import type { Cluster } from "../api/types.ts";
import { CursorTable } from "../components/cursor-table.tsx";
import { withoutEmpty } from "../components/filter-values.ts";
import { formatBytes, formatCpuMillis, formatTime } from "../components/format.ts";
import { useHasRole } from "../components/role-gate.tsx";
import { StatusTag } from "../components/status-tag.tsx";
import { useCursorList } from "../hooks/use-cursor-list.ts";
import { RotateTokenButton } from "./rotate-token-button.tsx";

type ClusterQuery = NonNullable<operations["listClusters"]["parameters"]["query"]>;
type Filters = Pick<ClusterQuery, "q" | "status" | "apiServerStatus" | "access" | "version" | "sort">;

const HEALTHS = ["healthy", "degraded", "offline", "unknown"] as const;
const API_SERVER_STATUSES = ["healthy", "degraded", "unreachable", "unauthorized", "unchecked"] as const;
const SORTS = [
  { value: "createdAt", label: "oldest first" },
  { value: "-createdAt", label: "newest first" },
  { value: "name", label: "name A→Z" },
  { value: "-name", label: "name Z→A" },
] as const;

const options = (values: readonly string[]) => values.map((v) => ({ value: v, label: v }));

function AccessTags({ c }: { c: Cluster }) {
  if (!c.access.agent && !c.access.kubeconfig)
    return <Typography.Text type="secondary">none yet</Typography.Text>;
  return (
    <>
      {c.access.agent && <Tag color="blue">agent</Tag>}
      {c.access.kubeconfig && <Tag color="purple">kubeconfig</Tag>}
    </>
  );
}

/** The last check's status, with its error, time and latency on hover; "unchecked" before the first. */
function ApiServerStatus({ c }: { c: Cluster }) {
  if (!c.kubeconfig) return <Typography.Text type="secondary">—</Typography.Text>;
  const s = c.apiServer;
  if (!s) {
    return (
      <Tooltip title="the kubeconfig has not been checked yet">
        <span>
          <StatusTag status="unchecked" />
        </span>
      </Tooltip>
    );
  }
  const detail = [
    s.error,
    `checked ${formatTime(s.checkedAt)}${s.latencyMs !== null ? ` in ${s.latencyMs} ms` : ""}`,
    s.consecutiveFailures > 0
      ? `${s.consecutiveFailures} failed check${s.consecutiveFailures === 1 ? "" : "s"} in a row`
      : null,
    s.status !== "healthy"
      ? s.lastHealthyAt
        ? `last healthy ${formatTime(s.lastHealthyAt)}`
        : "never healthy"
      : null,
  ].filter(Boolean);
  return (
    <Tooltip title={detail.map((line) => <div key={line}>{line}</div>)}>
      <span>
        <StatusTag status={s.status} />
      </span>
    </Tooltip>
  );
}

function version(c: Cluster): string {
  return c.kubernetesVersion ?? c.apiServer?.kubernetesVersion ?? "—";
}

function nodes(c: Cluster): string {
  const n = c.nodes ?? c.apiServer?.nodes;
  return n ? `${n.ready}/${n.total} ready` : "—";
}

/** Kubernetes' capacity (the agent's snapshot, else the API server check), then the pool machines. */
function capacity(c: Cluster) {
  const k8s = c.resources?.capacity ?? c.apiServer?.capacity;
  const ready = c.capacity.ready;
  return (
    <>
      <div>{k8s ? `${formatCpuMillis(k8s.cpuMillis)} · ${formatBytes(k8s.memoryBytes)}` : "—"}</div>
      {(c.access.agent || ready.machines > 0) && (
        <Typography.Text type="secondary">
          pool: {ready.machines} ready · {ready.cpuCores} cores · {formatBytes(ready.memoryBytes)}
        </Typography.Text>
      )}
    </>
  );
}

function usage(c: Cluster): string {
  if (!c.resources) return "—";
  const r = c.resources;
  return `${formatCpuMillis(r.requested.cpuMillis)} of ${formatCpuMillis(r.allocatable.cpuMillis)} requested · ${formatBytes(r.requested.memoryBytes)} of ${formatBytes(r.allocatable.memoryBytes)}`;
}

export function Clusters() {
  const [filters, setFilters] = useState<Filters>({});
  const set = (patch: Partial<Filters>) => setFilters((f) => withoutEmpty({ ...f, ...patch }) as Filters);
  const { pages, list } = useCursorList(["clusters", "page", filters], (page) =>
    unwrap(api.GET("/v1/clusters", { params: { query: { ...page, ...filters } } })),
  );
  const admin = useHasRole("admin");
  const columns = [
    {
      title: "Name",
      dataIndex: "name",
      render: (n: string, c: Cluster) => <Link to={`/clusters/${c.id}`}>{n}</Link>,
    },
    { title: "Access", render: (_: unknown, c: Cluster) => <AccessTags c={c} /> },
    {
      title: "Agent health",
      render: (_: unknown, c: Cluster) =>
        c.access.agent || c.lastHeartbeatAt ? <StatusTag status={c.health} /> : "—",
    },
    { title: "API server", render: (_: unknown, c: Cluster) => <ApiServerStatus c={c} /> },
    {
      title: "Version",
      render: (_: unknown, c: Cluster) => (
        <>
          <div>Kubernetes {version(c)}</div>
          {c.agentVersion && <Typography.Text type="secondary">agent {c.agentVersion}</Typography.Text>}
        </>
      ),
    },
    { title: "Nodes", render: (_: unknown, c: Cluster) => nodes(c) },
    { title: "Capacity", render: (_: unknown, c: Cluster) => capacity(c) },
    { title: "Requests", render: (_: unknown, c: Cluster) => usage(c) },
    { title: "Last heartbeat", dataIndex: "lastHeartbeatAt", render: formatTime },
    ...(admin
      ? [
          {
            title: "Registration",
            render: (_: unknown, c: Cluster) => <RotateTokenButton clusterId={c.id} clusterName={c.name} />,
          },
        ]
      : []),
  ];
  return (
    <>
      <Typography.Title level={3}>Clusters</Typography.Title>
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label="Search clusters"
          placeholder="name or description"
          allowClear
          style={{ width: 220 }}
          onSearch={(q) => set({ q })}
        />
        <Select
          aria-label="Access"
          allowClear
          placeholder="access"
          style={{ width: 140 }}
          value={filters.access}
          onChange={(access) => set({ access })}
          options={options(["agent", "kubeconfig"])}
        />
        <Select
          aria-label="API server status"
          allowClear
          placeholder="API server"
          style={{ width: 160 }}
          value={filters.apiServerStatus}
          onChange={(apiServerStatus) => set({ apiServerStatus })}
          options={options(API_SERVER_STATUSES)}
        />
        <Select
          aria-label="Agent health"
          allowClear
          placeholder="agent health"
          style={{ width: 150 }}
          value={filters.status}
          onChange={(status) => set({ status })}
          options={options(HEALTHS)}
        />
        <Input.Search
          aria-label="Kubernetes version"
          placeholder="version, e.g. 1.30"
          allowClear
          style={{ width: 180 }}
          onSearch={(v) => set({ version: v.trim() })}
        />
        <Select
          aria-label="Sort clusters"
          style={{ width: 150 }}
          value={filters.sort ?? "createdAt"}
          onChange={(sort) => set({ sort })}
          options={SORTS.map((s) => ({ ...s }))}
        />
      </Space>
      <CursorTable list={list} pages={pages} columns={columns} />
    </>
  );
}
