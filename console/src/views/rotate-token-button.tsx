/** Rotates a cluster's registration token (admin) and shows the new one once, with a copy button. */
import { KeyOutlined } from "@ant-design/icons";
import { Alert, Button, Modal, Popconfirm, Typography } from "antd";
import { useState } from "react";
import { api, unwrap } from "../api/client.ts";
import { formatTime } from "../components/format.ts";
import { useAction } from "../hooks/use-action.ts";

export function RotateTokenButton({ clusterId, clusterName }: { clusterId: string; clusterName: string }) {
  const [shown, setShown] = useState<{ token: string; expiresAt: string } | null>(null);
  const rotate = useAction({
    what: `Rotate the registration token of ${clusterName}`,
    run: () =>
      unwrap(api.POST("/v1/clusters/{clusterId}/registration-token", { params: { path: { clusterId } } })),
    success: (r) => {
      setShown({ token: r.registrationToken, expiresAt: r.registrationTokenExpiresAt });
      return null;
    },
  });
  return (
    <>
      <Popconfirm
        title="Rotate the registration token?"
        description="The current token stops working for new agent registrations."
        onConfirm={() => rotate.mutate(undefined)}
      >
        <Button size="small" icon={<KeyOutlined />} loading={rotate.isPending}>
          Rotate token
        </Button>
      </Popconfirm>
      <Modal
        open={shown !== null}
        title={`New registration token for ${clusterName}`}
        onCancel={() => setShown(null)}
        footer={<Button onClick={() => setShown(null)}>I have copied it</Button>}
      >
        <Alert type="warning" showIcon title="Shown once: only its hash is stored. Copy it now." />
        <Typography.Paragraph code copyable style={{ marginTop: 16, wordBreak: "break-all" }}>
          {shown?.token}
        </Typography.Paragraph>
        <Typography.Text type="secondary">Expires {formatTime(shown?.expiresAt)}</Typography.Text>
      </Modal>
    </>
  );
}
