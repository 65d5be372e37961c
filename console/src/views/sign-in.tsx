/** Sign in by pasting an API token; it is checked against the API before it is kept. */
import { LoginOutlined } from "@ant-design/icons";
import { Button, Card, Form, Input, Typography } from "antd";
import { useState } from "react";
import { useSession } from "../auth/session.tsx";
import { ErrorAlert } from "../components/error-alert.tsx";

export function SignIn() {
  const { signIn } = useSession();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const submit = async ({ token }: { token: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div style={{ display: "flex", justifyContent: "center", paddingTop: "12vh" }}>
      <Card title="kube-static-pool console" style={{ width: 460 }}>
        <Typography.Paragraph type="secondary">
          Paste an API token (an admin, operator or viewer token from <code>POST /v1/tokens</code>, or the
          bootstrap admin token printed by <code>npm start</code>). It stays in this tab's session storage and
          is sent only in the Authorization header.
        </Typography.Paragraph>
        <Form layout="vertical" onFinish={submit} requiredMark={false}>
          <Form.Item label="API token" name="token" rules={[{ required: true, message: "Paste a token" }]}>
            <Input.Password autoComplete="off" placeholder="ksp_…" />
          </Form.Item>
          {error ? (
            <div style={{ marginBottom: 16 }}>
              <ErrorAlert error={error} title="Sign-in failed" />
            </div>
          ) : null}
          <Button type="primary" htmlType="submit" icon={<LoginOutlined />} loading={busy} block>
            Sign in
          </Button>
        </Form>
      </Card>
    </div>
  );
}
