/** The machines table's filters, kept in the URL (shareable, and the back button works). */
import { Button, Form, Input, Select, Space } from "antd";
import { useSearchParams } from "react-router-dom";
import { ClusterSelect } from "../components/cluster-select.tsx";
import { withoutEmpty } from "../components/filter-values.ts";
import { MACHINE_STATES } from "../components/status-tag.tsx";
import type { MachineFilters } from "../hooks/use-machines.ts";
import { usePools } from "../hooks/use-pools.ts";

const KEYS = ["clusterId", "poolId", "labelSelector", "q"] as const;

export function useMachineFilters(): [MachineFilters, (next: MachineFilters) => void] {
  const [params, setParams] = useSearchParams();
  const filters: MachineFilters = {};
  for (const k of KEYS) {
    const v = params.get(k);
    if (v) filters[k] = v;
  }
  const status = params.getAll("status");
  if (status.length) filters.status = status;
  const unassigned = params.get("unassigned");
  if (unassigned === "true" || unassigned === "false") filters.unassigned = unassigned;
  const set = (next: MachineFilters) => {
    const out = new URLSearchParams();
    for (const k of KEYS) if (next[k]) out.set(k, String(next[k]));
    for (const s of [next.status ?? []].flat()) out.append("status", s);
    if (next.unassigned) out.set("unassigned", next.unassigned);
    setParams(out, { replace: true });
  };
  return [filters, set];
}

export function MachineFilterBar({
  filters,
  onChange,
}: {
  filters: MachineFilters;
  onChange(f: MachineFilters): void;
}) {
  const [form] = Form.useForm<MachineFilters>();
  const clusterId = Form.useWatch("clusterId", form) ?? filters.clusterId;
  const pools = usePools(clusterId);
  return (
    <Form
      form={form}
      layout="inline"
      initialValues={filters}
      onFinish={(v) => onChange(withoutEmpty(v))}
      style={{ rowGap: 8, marginBottom: 16 }}
    >
      <Form.Item name="q">
        <Input.Search
          aria-label="Search machines"
          placeholder="hostname, IP or node"
          allowClear
          onSearch={() => form.submit()}
          style={{ width: 220 }}
        />
      </Form.Item>
      <Form.Item name="status">
        <Select
          aria-label="Status"
          mode="multiple"
          allowClear
          placeholder="status"
          style={{ minWidth: 160 }}
          options={MACHINE_STATES.map((s) => ({ value: s, label: s }))}
        />
      </Form.Item>
      <Form.Item name="clusterId">
        <ClusterSelect onChange={() => form.setFieldValue("poolId", undefined)} />
      </Form.Item>
      <Form.Item name="poolId">
        <Select
          aria-label="Pool"
          allowClear
          placeholder="pool"
          disabled={!clusterId}
          style={{ width: 160 }}
          options={(pools.data ?? []).map((p) => ({ value: p.id, label: p.name }))}
        />
      </Form.Item>
      <Form.Item name="labelSelector">
        <Input
          aria-label="Label selector"
          placeholder="label selector, e.g. gpu=a100,zone in (a,b)"
          style={{ width: 260 }}
        />
      </Form.Item>
      <Form.Item name="unassigned">
        <Select
          aria-label="Assignment"
          allowClear
          placeholder="assignment"
          style={{ width: 150 }}
          options={[
            { value: "true", label: "free inventory" },
            { value: "false", label: "in a cluster" },
          ]}
        />
      </Form.Item>
      <Space>
        <Button type="primary" htmlType="submit">
          Apply filters
        </Button>
        <Button
          onClick={() => {
            form.resetFields();
            form.setFieldsValue({
              q: undefined,
              status: undefined,
              clusterId: undefined,
              poolId: undefined,
              labelSelector: undefined,
              unassigned: undefined,
            });
            onChange({});
          }}
        >
          Clear
        </Button>
      </Space>
    </Form>
  );
}
