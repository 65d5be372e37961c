/** One machine: its facts, the operator's actions and its events timeline. */
import { Descriptions, Divider, Space, Spin, Tag, Typography } from "antd";
import { Link } from "react-router-dom";
import { ErrorAlert } from "../components/error-alert.tsx";
import { EventList } from "../components/event-list.tsx";
import { formatBytes, formatTime } from "../components/format.ts";
import { StatusTag } from "../components/status-tag.tsx";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useEvents } from "../hooks/use-events.ts";
import { useMachine } from "../hooks/use-machines.ts";
import { usePoolNames } from "../hooks/use-pool-names.ts";
import { MachineActions } from "./machine-actions.tsx";

export function MachineDetail({ machineId }: { machineId: string }) {
  const machine = useMachine(machineId);
  const events = useEvents({ machineId, limit: 50 });
  const clusterName = useClusterNames();
  const poolName = usePoolNames();
  const m = machine.data;
  if (machine.error) return <ErrorAlert error={machine.error} />;
  if (!m) return <Spin />;
  return (
    <>
      <Space align="center" style={{ marginBottom: 16 }}>
        <Typography.Title level={4} style={{ margin: 0 }}>
          <Link to={`/machines/${m.id}`}>{m.hostname}</Link>
        </Typography.Title>
        <StatusTag status={m.status} />
      </Space>
      <div style={{ marginBottom: 16 }}>
        <MachineActions machine={m} />
      </div>
      <Descriptions size="small" bordered column={1}>
        <Descriptions.Item label="IP">{m.ip}</Descriptions.Item>
        <Descriptions.Item label="Status reason">{m.statusReason ?? "—"}</Descriptions.Item>
        <Descriptions.Item label="Status since">{formatTime(m.statusChangedAt)}</Descriptions.Item>
        <Descriptions.Item label="Cluster / pool">
          {m.clusterId ? `${clusterName(m.clusterId)} / ${poolName(m.poolId)}` : "free inventory"}
        </Descriptions.Item>
        <Descriptions.Item label="Hardware">
          {m.cpuCores} cores · {formatBytes(m.memoryBytes)}
          {m.gpuCount ? ` · ${m.gpuCount}× ${m.gpuType ?? "GPU"}` : ""}
        </Descriptions.Item>
        <Descriptions.Item label="Location">
          {[m.region, m.zone, m.rack].filter(Boolean).join(" / ") || "—"}
        </Descriptions.Item>
        <Descriptions.Item label="Node">{m.nodeName ?? "—"}</Descriptions.Item>
        <Descriptions.Item label="Kubelet">{m.kubeletVersion ?? "—"}</Descriptions.Item>
        <Descriptions.Item label="Labels">
          {Object.entries(m.labels).map(([k, v]) => (
            <Tag key={k}>{`${k}=${v}`}</Tag>
          ))}
        </Descriptions.Item>
        <Descriptions.Item label="Last error">{m.lastError ?? "—"}</Descriptions.Item>
        <Descriptions.Item label="Version">{m.version}</Descriptions.Item>
      </Descriptions>
      <Divider titlePlacement="start">Events</Divider>
      <ErrorAlert error={events.error} />
      <EventList events={events.data?.items ?? []} />
    </>
  );
}
