/** The pool settings a person changes most, in a modal (operator): sizes, policies, cooldowns. */
import { SettingOutlined } from "@ant-design/icons";
import { Button, Form, Input, InputNumber, Modal, Select } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import type { components } from "../api/schema.ts";
import type { Pool } from "../api/types.ts";
import { useAction } from "../hooks/use-action.ts";

type PoolPatch = components["schemas"]["UpdatePoolRequest"];

const SCALE_UP = ["random", "least-used", "most-available"].map((v) => ({ value: v, label: v }));
const SCALE_DOWN = ["least-used", "newest-first", "oldest-first"].map((v) => ({ value: v, label: v }));

export function PoolSettingsButton({ pool }: { pool: Pool }) {
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<PoolPatch>();
  const save = useAction({
    what: `Save the settings of ${pool.name}`,
    run: (body: PoolPatch) =>
      unwrap(
        api.PATCH("/v1/clusters/{clusterId}/pools/{poolId}", {
          params: { path: { clusterId: pool.clusterId, poolId: pool.id } },
          body,
        }),
      ),
    invalidate: [
      ["pools", pool.clusterId],
      ["pool-status", pool.clusterId, pool.id],
    ],
    success: () => {
      setOpen(false);
      return `Saved ${pool.name}`;
    },
  });
  return (
    <>
      <Button size="small" icon={<SettingOutlined />} onClick={() => setOpen(true)}>
        Settings
      </Button>
      <Modal
        open={open}
        title={`Settings of ${pool.name}`}
        okText="Save"
        confirmLoading={save.isPending}
        onOk={() => form.submit()}
        onCancel={() => setOpen(false)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" initialValues={pool} onFinish={(v) => save.mutate(v)}>
          <Form.Item label="Description" name="description">
            <Input />
          </Form.Item>
          <Form.Item label="Minimum size" name="minSize" rules={[{ required: true }]}>
            <InputNumber min={0} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label="Maximum size" name="maxSize" rules={[{ required: true }]}>
            <InputNumber min={0} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label="Scale-up policy" name="scaleUpPolicy">
            <Select options={SCALE_UP} />
          </Form.Item>
          <Form.Item label="Scale-down policy" name="scaleDownPolicy">
            <Select options={SCALE_DOWN} />
          </Form.Item>
          <Form.Item label="Scale-up cooldown (seconds)" name="scaleUpCooldownSeconds">
            <InputNumber min={0} style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item label="Scale-down cooldown (seconds)" name="scaleDownCooldownSeconds">
            <InputNumber min={0} style={{ width: "100%" }} />
          </Form.Item>
        </Form>
      </Modal>
    </>
  );
}
