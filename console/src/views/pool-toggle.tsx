/** Enable or disable a pool's autoscaling (operator). */
import { Switch } from "antd";
import { api, unwrap } from "../api/client.ts";
import { useHasRole } from "../components/role-gate.tsx";
import { StatusTag } from "../components/status-tag.tsx";
import { useAction } from "../hooks/use-action.ts";

export function PoolToggle({
  clusterId,
  poolId,
  name,
  enabled,
}: {
  clusterId: string;
  poolId: string;
  name: string;
  enabled: boolean;
}) {
  const operator = useHasRole("operator");
  const toggle = useAction({
    what: `${enabled ? "Disable" : "Enable"} autoscaling of ${name}`,
    run: (on: boolean) => {
      const params = { params: { path: { clusterId, poolId } } };
      return unwrap(
        on
          ? api.POST("/v1/clusters/{clusterId}/pools/{poolId}/enable", params)
          : api.POST("/v1/clusters/{clusterId}/pools/{poolId}/disable", params),
      );
    },
    invalidate: [
      ["pools", clusterId],
      ["pool-status", clusterId, poolId],
    ],
  });
  if (!operator) return <StatusTag status={enabled ? "enabled" : "disabled"} />;
  return (
    <Switch
      aria-label={`Autoscaling of ${name}`}
      checked={enabled}
      loading={toggle.isPending}
      checkedChildren="on"
      unCheckedChildren="off"
      onChange={(on) => toggle.mutate(on)}
    />
  );
}
