/** Events as a compact timeline (newest first), for the overview, a pool and a machine. */
import { Empty, Timeline, Typography } from "antd";
import type { MachineEvent } from "../api/types.ts";
import { formatTime } from "./format.ts";

const COLOURS: Record<string, string> = {
  failed: "red",
  succeeded: "green",
  running: "blue",
  pending: "gray",
};

function summary(e: MachineEvent): string {
  const m = e.metadata as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof m.from === "string" && typeof m.to === "string") parts.push(`${m.from} → ${m.to}`);
  if (typeof m.reason === "string") parts.push(m.reason);
  if (typeof m.message === "string") parts.push(m.message);
  if (e.delta !== null) parts.push(`delta ${e.delta}`);
  if (e.error) parts.push(e.error);
  return parts.join(" · ");
}

export function EventList({ events, empty = "No events" }: { events: MachineEvent[]; empty?: string }) {
  if (events.length === 0) return <Empty description={empty} image={Empty.PRESENTED_IMAGE_SIMPLE} />;
  return (
    <Timeline
      items={events.map((e) => ({
        key: e.id,
        color: COLOURS[e.status] ?? "blue",
        content: (
          <>
            <Typography.Text strong>{e.kind}</Typography.Text>{" "}
            <Typography.Text type="secondary">{formatTime(e.createdAt)}</Typography.Text>
            <div>{summary(e)}</div>
          </>
        ),
      }))}
    />
  );
}
