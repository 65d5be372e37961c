/** The frame of every signed-in view: navigation on the left, the session on top. */
import {
  AuditOutlined,
  CloudServerOutlined,
  ClusterOutlined,
  DashboardOutlined,
  HistoryOutlined,
  ImportOutlined,
  InboxOutlined,
  LogoutOutlined,
  ProfileOutlined,
  ThunderboltOutlined,
} from "@ant-design/icons";
import { Button, Layout, Menu, Space, Tag, Typography } from "antd";
import { Link, Outlet, useLocation } from "react-router-dom";
import type { Identity } from "../auth/identity.ts";
import { useIdentity, useSession } from "../auth/session.tsx";

const NAV = [
  { key: "/", icon: <DashboardOutlined />, label: "Overview" },
  { key: "/clusters", icon: <ClusterOutlined />, label: "Clusters" },
  { key: "/machines", icon: <CloudServerOutlined />, label: "Machines" },
  { key: "/import", icon: <ImportOutlined />, label: "Import" },
  { key: "/events", icon: <HistoryOutlined />, label: "Events" },
  { key: "/audit", icon: <AuditOutlined />, label: "Audit", admin: true },
  { key: "/dead-letters", icon: <InboxOutlined />, label: "Dead letters" },
  {
    key: "capacity",
    icon: <ThunderboltOutlined />,
    label: "Capacity",
    children: [
      { key: "/strategies", label: "Strategies" },
      { key: "/query-templates", label: "Query templates" },
      { key: "/orders", label: "Orders" },
    ],
  },
];

function selectedKey(pathname: string): string {
  const top = `/${pathname.split("/")[1] ?? ""}`;
  return top === "/" ? "/" : top;
}

function scopeText({ scope }: Identity): string {
  if (scope === "all") return "all clusters";
  return `cluster ${scope.clusterName ?? scope.clusterId}`;
}

export function ConsoleLayout() {
  const identity = useIdentity();
  const { signOut } = useSession();
  const location = useLocation();
  const items = NAV.filter((n) => !n.admin || identity.role === "admin").map(
    ({ key, icon, label, children }) => ({
      key,
      icon,
      label: children ? label : <Link to={key}>{label}</Link>,
      children: children?.map((c) => ({ key: c.key, label: <Link to={c.key}>{c.label}</Link> })),
    }),
  );
  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider breakpoint="lg" collapsedWidth={0} theme="light" width={210}>
        <div style={{ padding: "16px 20px", fontWeight: 600 }}>
          <ProfileOutlined /> kube-static-pool
        </div>
        <Menu
          mode="inline"
          aria-label="Main navigation"
          selectedKeys={[selectedKey(location.pathname)]}
          defaultOpenKeys={["capacity"]}
          items={items}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: "#fff",
            display: "flex",
            justifyContent: "flex-end",
            alignItems: "center",
            paddingInline: 24,
          }}
        >
          <Space>
            <Typography.Text aria-label="Signed in as">
              {identity.tokenName} ·{" "}
              <Tag color={identity.role === "viewer" ? "default" : "blue"}>{identity.role}</Tag>
              {scopeText(identity)}
            </Typography.Text>
            <Button icon={<LogoutOutlined />} onClick={signOut}>
              Sign out
            </Button>
          </Space>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
