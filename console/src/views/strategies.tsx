/** Capacity strategies: what each watches and does; operators enable or disable them. */
import { Switch, Typography } from "antd";
import { Link } from "react-router-dom";
import { api, unwrap } from "../api/client.ts";
import type { Strategy } from "../api/types.ts";
import { CursorTable } from "../components/cursor-table.tsx";
import { formatTime } from "../components/format.ts";
import { useHasRole } from "../components/role-gate.tsx";
import { StatusTag } from "../components/status-tag.tsx";
import { useAction } from "../hooks/use-action.ts";
import { useCursorList } from "../hooks/use-cursor-list.ts";

function metric(m: Strategy["cpu"]): string {
  return m ? `${m.type} ≥ ${m.threshold}% → ${m.target}%` : "—";
}

export function StrategyToggle({ strategy }: { strategy: Strategy }) {
  const operator = useHasRole("operator");
  const toggle = useAction({
    what: `${strategy.status === "enabled" ? "Disable" : "Enable"} ${strategy.name}`,
    run: (on: boolean) => {
      const args = {
        params: { path: { strategyId: strategy.id } },
        body: { expectedVersion: strategy.version },
      };
      return unwrap(
        on
          ? api.POST("/v1/strategies/{strategyId}/enable", args)
          : api.POST("/v1/strategies/{strategyId}/disable", args),
      );
    },
    invalidate: [["strategies"], ["strategy", strategy.id]],
  });
  if (!operator) return <StatusTag status={strategy.status} />;
  return (
    <Switch
      aria-label={`Strategy ${strategy.name}`}
      checked={strategy.status === "enabled"}
      loading={toggle.isPending}
      checkedChildren="enabled"
      unCheckedChildren="disabled"
      onChange={(on) => toggle.mutate(on)}
    />
  );
}

export function Strategies() {
  const { pages, list } = useCursorList(["strategies"], (page) =>
    unwrap(api.GET("/v1/strategies", { params: { query: page } })),
  );
  const columns = [
    {
      title: "Name",
      dataIndex: "name",
      render: (n: string, s: Strategy) => <Link to={`/strategies/${s.id}`}>{n}</Link>,
    },
    { title: "Action", dataIndex: "action" },
    { title: "CPU", render: (_: unknown, s: Strategy) => metric(s.cpu) },
    { title: "Memory", render: (_: unknown, s: Strategy) => metric(s.memory) },
    {
      title: "Window",
      render: (_: unknown, s: Strategy) => `${s.durationDays} d, cooldown ${s.cooldownDays} d`,
    },
    { title: "Max devices", dataIndex: "maxDevices" },
    { title: "Status", render: (_: unknown, s: Strategy) => <StrategyToggle strategy={s} /> },
    { title: "Updated", dataIndex: "updatedAt", render: formatTime },
  ];
  return (
    <>
      <Typography.Title level={3}>Strategies</Typography.Title>
      <CursorTable list={list} pages={pages} columns={columns} />
    </>
  );
}
