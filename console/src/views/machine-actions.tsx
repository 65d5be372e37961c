/**
 * The operator's machine actions: assign, maintenance, fault (with a reason), restore
 * and archive. Each sends the machine's version, so a change made meanwhile is refused
 * (409 stale_version) rather than overwritten. Hidden for viewers.
 */
import { Button, Form, Input, Modal, Popconfirm, Select, Space } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import type { Machine } from "../api/types.ts";
import { IfRole } from "../components/role-gate.tsx";
import { useAction } from "../hooks/use-action.ts";
import { useClusters } from "../hooks/use-clusters.ts";
import { usePools } from "../hooks/use-pools.ts";

type Action = "maintenance" | "fault" | "restore" | "archive";

const REFRESH = [["machines"], ["machine"], ["events"], ["clusters"]];

function useStatusAction(machine: Machine, action: Action) {
  return useAction({
    what: `${action[0]!.toUpperCase()}${action.slice(1)} ${machine.hostname}`,
    run: (reason: string | undefined) => {
      const params = { params: { path: { machineId: machine.id } } };
      const guard = { expectedVersion: machine.version };
      switch (action) {
        case "maintenance":
          return unwrap(
            api.POST("/v1/machines/{machineId}/maintenance", {
              ...params,
              body: { ...guard, reason: reason ?? "" },
            }),
          );
        case "fault":
          return unwrap(
            api.POST("/v1/machines/{machineId}/fault", {
              ...params,
              body: { ...guard, reason: reason ?? "" },
            }),
          );
        case "restore":
          return unwrap(
            api.POST("/v1/machines/{machineId}/restore", { ...params, body: { ...guard, reason } }),
          );
        case "archive":
          return unwrap(
            api.POST("/v1/machines/{machineId}/archive", { ...params, body: { ...guard, reason } }),
          );
      }
    },
    invalidate: REFRESH,
    success: (m) => `${m.hostname} is now ${m.status}`,
  });
}

function ReasonButton({
  machine,
  action,
  label,
  danger,
}: {
  machine: Machine;
  action: "maintenance" | "fault";
  label: string;
  danger?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ reason: string }>();
  const run = useStatusAction(machine, action);
  return (
    <>
      <Button danger={danger} onClick={() => setOpen(true)}>
        {label}
      </Button>
      <Modal
        open={open}
        title={`${label}: ${machine.hostname}`}
        okText={label}
        confirmLoading={run.isPending}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={({ reason }) => run.mutate(reason, { onSuccess: () => setOpen(false) })}
        >
          <Form.Item label="Reason" name="reason" rules={[{ required: true, message: "Say why" }]}>
            <Input.TextArea rows={2} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

function ConfirmButton({
  machine,
  action,
  label,
}: {
  machine: Machine;
  action: "restore" | "archive";
  label: string;
}) {
  const run = useStatusAction(machine, action);
  return (
    <Popconfirm
      title={`${label} ${machine.hostname}?`}
      onConfirm={() => run.mutate(undefined)}
      okText={label}
    >
      <Button loading={run.isPending}>{label}</Button>
    </Popconfirm>
  );
}

function AssignButton({ machine }: { machine: Machine }) {
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<{ clusterId: string; poolId: string }>();
  const clusterId = Form.useWatch("clusterId", form);
  const clusters = useClusters();
  const pools = usePools(clusterId);
  const assign = useAction({
    what: `Assign ${machine.hostname}`,
    run: (body: { clusterId: string; poolId: string }) =>
      unwrap(
        api.POST("/v1/machines/{machineId}/assign", {
          params: { path: { machineId: machine.id } },
          body: { ...body, expectedVersion: machine.version },
        }),
      ),
    invalidate: REFRESH,
    success: (m) => `${m.hostname} is now ${m.status}`,
  });
  return (
    <>
      <Button type="primary" onClick={() => setOpen(true)}>
        Assign
      </Button>
      <Modal
        open={open}
        title={`Assign ${machine.hostname} to a pool`}
        okText="Assign"
        confirmLoading={assign.isPending}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Form
          form={form}
          layout="vertical"
          onFinish={(v) => assign.mutate(v, { onSuccess: () => setOpen(false) })}
        >
          <Form.Item label="Cluster" name="clusterId" rules={[{ required: true }]}>
            <Select
              options={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
              onChange={() => form.setFieldValue("poolId", undefined)}
            />
          </Form.Item>
          <Form.Item label="Pool" name="poolId" rules={[{ required: true }]}>
            <Select
              disabled={!clusterId}
              options={(pools.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
            />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}

const IN_USE = new Set(["reserved", "joining", "ready", "draining", "leaving"]);

export function MachineActions({ machine }: { machine: Machine }) {
  const s = machine.status;
  const out = s === "maintenance" || s === "fault" || s === "archived";
  return (
    <IfRole minimum="operator">
      <Space wrap>
        {s === "available" && machine.clusterId === null ? <AssignButton machine={machine} /> : null}
        {!out ? <ReasonButton machine={machine} action="maintenance" label="Maintenance" /> : null}
        {s !== "fault" && s !== "archived" ? (
          <ReasonButton machine={machine} action="fault" label="Mark faulty" danger />
        ) : null}
        {out ? <ConfirmButton machine={machine} action="restore" label="Restore" /> : null}
        {!IN_USE.has(s) && s !== "archived" ? (
          <ConfirmButton machine={machine} action="archive" label="Archive" />
        ) : null}
      </Space>
    </IfRole>
  );
}
