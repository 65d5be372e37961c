/** A machine's own page (linked from the table's drawer, pool blockers and events). */
import { Breadcrumb, Card } from "antd";
import { Link, useParams } from "react-router-dom";
import { MachineDetail } from "./machine-detail.tsx";

export function MachineDetailPage() {
  const { machineId = "" } = useParams();
  return (
    <>
      <Breadcrumb
        items={[{ title: <Link to="/machines">Machines</Link> }, { title: machineId }]}
        style={{ marginBottom: 16 }}
      />
      <Card>
        <MachineDetail machineId={machineId} />
      </Card>
    </>
  );
}
