/** Every view's path (under the /ui basename); signed out, every path shows the sign-in page. */
import { Spin } from "antd";
import { Route, Routes } from "react-router-dom";
import { useSession } from "./auth/session.tsx";
import { ConsoleLayout } from "./components/layout.tsx";
import { AuditView } from "./views/audit.tsx";
import { ClusterPools } from "./views/cluster-pools.tsx";
import { Clusters } from "./views/clusters.tsx";
import { DeadLettersView } from "./views/dead-letters.tsx";
import { EventsView } from "./views/events.tsx";
import { ImportView } from "./views/import.tsx";
import { MachineDetailPage } from "./views/machine-detail-page.tsx";
import { Machines } from "./views/machines.tsx";
import { NotFound } from "./views/not-found.tsx";
import { OrderDetail } from "./views/order-detail.tsx";
import { Orders } from "./views/orders.tsx";
import { Overview } from "./views/overview.tsx";
import { PoolDetail } from "./views/pool-detail.tsx";
import { QueryTemplates } from "./views/query-templates.tsx";
import { SignIn } from "./views/sign-in.tsx";
import { Strategies } from "./views/strategies.tsx";
import { StrategyDetail } from "./views/strategy-detail.tsx";

export function ConsoleRoutes() {
  const { identity, checking } = useSession();
  if (checking) return <Spin fullscreen />;
  if (!identity) return <SignIn />;
  return (
    <Routes>
      <Route element={<ConsoleLayout />}>
        <Route index element={<Overview />} />
        <Route path="clusters" element={<Clusters />} />
        <Route path="clusters/:clusterId" element={<ClusterPools />} />
        <Route path="clusters/:clusterId/pools/:poolId" element={<PoolDetail />} />
        <Route path="machines" element={<Machines />} />
        <Route path="machines/:machineId" element={<MachineDetailPage />} />
        <Route path="import" element={<ImportView />} />
        <Route path="events" element={<EventsView />} />
        <Route path="audit" element={<AuditView />} />
        <Route path="dead-letters" element={<DeadLettersView />} />
        <Route path="strategies" element={<Strategies />} />
        <Route path="strategies/:strategyId" element={<StrategyDetail />} />
        <Route path="query-templates" element={<QueryTemplates />} />
        <Route path="orders" element={<Orders />} />
        <Route path="orders/:orderId" element={<OrderDetail />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}
