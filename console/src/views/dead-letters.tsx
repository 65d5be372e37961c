/**
 * Dead letters (operator, unscoped token): job-queue messages given up on, with why, and
 * Replay (the stored message goes back on the job queue, once) or Discard.
 */
import { Button, Popconfirm, Select, Space, Tag, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import type { DeadLetter } from "../api/types.ts";
import { CursorTable } from "../components/cursor-table.tsx";
import { formatTime } from "../components/format.ts";
import { IfRole, RequireRole } from "../components/role-gate.tsx";
import { useAction } from "../hooks/use-action.ts";
import { useClusterNames } from "../hooks/use-clusters.ts";
import { useCursorList } from "../hooks/use-cursor-list.ts";

const STATUSES = ["parked", "replayed", "discarded"] as const;
type Status = (typeof STATUSES)[number];
const STATUS_COLOURS: Record<Status, string> = { parked: "red", replayed: "blue", discarded: "default" };

function LetterActions({ letter }: { letter: DeadLetter }) {
  const path = { params: { path: { id: letter.id } } };
  const replay = useAction({
    what: "Replay the message",
    run: () => unwrap(api.POST("/v1/dead-letters/{id}/replay", path)),
    invalidate: [["dead-letters"]],
    success: () => "Sent to the job queue again",
  });
  const discard = useAction({
    what: "Discard the dead letter",
    run: () => unwrap(api.POST("/v1/dead-letters/{id}/discard", path)),
    invalidate: [["dead-letters"]],
  });
  if (letter.status !== "parked") return null;
  return (
    <Space>
      <Popconfirm
        title="Replay this message?"
        description="It goes back on the job queue once; if it fails again it is parked as a new dead letter."
        okText="Replay"
        onConfirm={() => replay.mutate(undefined)}
      >
        <Button size="small" type="primary" loading={replay.isPending}>
          Replay
        </Button>
      </Popconfirm>
      <Popconfirm
        title="Discard this dead letter without running it?"
        okText="Discard"
        onConfirm={() => discard.mutate(undefined)}
      >
        <Button size="small" loading={discard.isPending}>
          Discard
        </Button>
      </Popconfirm>
    </Space>
  );
}

function DeadLetterTable() {
  const [status, setStatus] = useState<Status | undefined>("parked");
  const { pages, list } = useCursorList(["dead-letters", status], (page) =>
    unwrap(api.GET("/v1/dead-letters", { params: { query: { ...(status ? { status } : {}), ...page } } })),
  );
  const clusterName = useClusterNames();
  const columns = [
    { title: "Parked", dataIndex: "parkedAt", width: 180, render: formatTime },
    {
      title: "Status",
      dataIndex: "status",
      render: (s: Status) => <Tag color={STATUS_COLOURS[s]}>{s}</Tag>,
    },
    {
      title: "Message",
      render: (_: unknown, d: DeadLetter) => d.job ?? d.messageType ?? "(not a job message)",
    },
    { title: "Cluster", dataIndex: "clusterId", render: clusterName },
    { title: "Attempts", dataIndex: "attempts" },
    {
      title: "Reason",
      dataIndex: "reason",
      render: (r: string) => (
        <Typography.Text type="secondary" ellipsis={{ tooltip: r }} style={{ maxWidth: 420 }}>
          {r}
        </Typography.Text>
      ),
    },
    { title: "Source", dataIndex: "source" },
    {
      title: "",
      render: (_: unknown, d: DeadLetter) => (
        <IfRole minimum="operator">
          <LetterActions letter={d} />
        </IfRole>
      ),
    },
  ];
  return (
    <>
      <Space style={{ marginBottom: 16 }}>
        <Select
          aria-label="Status"
          allowClear
          placeholder="every status"
          value={status}
          onChange={(v: Status | undefined) => setStatus(v)}
          style={{ width: 160 }}
          options={STATUSES.map((s) => ({ value: s, label: s }))}
        />
      </Space>
      <CursorTable list={list} pages={pages} columns={columns} />
    </>
  );
}

export function DeadLettersView() {
  return (
    <>
      <Typography.Title level={3}>Dead letters</Typography.Title>
      <RequireRole minimum="operator" what="Reading dead letters">
        <DeadLetterTable />
      </RequireRole>
    </>
  );
}
