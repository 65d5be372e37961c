/** A cluster picker by name, for filter forms (inside a Form.Item, which passes value and onChange). */
import { Select, type SelectProps } from "antd";
import { useClusters } from "../hooks/use-clusters.ts";

export function ClusterSelect(props: SelectProps<string>) {
  const clusters = useClusters();
  return (
    <Select<string>
      aria-label="Cluster"
      allowClear
      placeholder="cluster"
      style={{ width: 160 }}
      options={(clusters.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
      {...props}
    />
  );
}
