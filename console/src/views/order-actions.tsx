/** Approve, ignore or cancel an order (operator), with an optional reason and its version as a guard. */
import { Button, Input, Popconfirm, Space } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import type { Order } from "../api/types.ts";
import { IfRole } from "../components/role-gate.tsx";
import { useAction } from "../hooks/use-action.ts";

type Decision = "approve" | "ignore" | "cancel";

function DecisionButton({
  order,
  decision,
  label,
  primary,
}: {
  order: Order;
  decision: Decision;
  label: string;
  primary?: boolean;
}) {
  const [reason, setReason] = useState("");
  const run = useAction({
    what: `${label} ${order.number}`,
    run: () => {
      const args = {
        params: { path: { orderId: order.id } },
        body: { expectedVersion: order.version, ...(reason ? { reason } : {}) },
      };
      if (decision === "approve") return unwrap(api.POST("/v1/orders/{orderId}/approve", args));
      if (decision === "ignore") return unwrap(api.POST("/v1/orders/{orderId}/ignore", args));
      return unwrap(api.POST("/v1/orders/{orderId}/cancel", args));
    },
    invalidate: [["orders"], ["order", order.id]],
    success: (o) => `${o.number} is now ${o.status}`,
  });
  return (
    <Popconfirm
      title={`${label} ${order.number}?`}
      description={
        <Input placeholder="reason (optional)" value={reason} onChange={(e) => setReason(e.target.value)} />
      }
      onConfirm={() => run.mutate(undefined)}
      okText={label}
    >
      <Button type={primary ? "primary" : "default"} loading={run.isPending}>
        {label}
      </Button>
    </Popconfirm>
  );
}

export function OrderActions({ order }: { order: Order }) {
  const pending = order.status === "pending";
  const cancellable = pending || order.status === "maintenance_in_progress";
  if (!cancellable) return null;
  return (
    <IfRole minimum="operator">
      <Space>
        {pending ? <DecisionButton order={order} decision="approve" label="Approve" primary /> : null}
        {pending ? <DecisionButton order={order} decision="ignore" label="Ignore" /> : null}
        <DecisionButton order={order} decision="cancel" label="Cancel order" />
      </Space>
    </IfRole>
  );
}
