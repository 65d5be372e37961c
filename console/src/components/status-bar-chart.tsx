/** Machines by status as stacked bars, one bar per group (a cluster, the free inventory). */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { StatusCountRow } from "../hooks/use-machine-counts.ts";
import { MACHINE_STATES, STATE_COLOURS } from "./status-tag.tsx";

export function StatusBarChart({ rows }: { rows: StatusCountRow[] }) {
  const data = rows.map((r) => ({ group: r.group, ...r.counts }));
  return (
    <ResponsiveContainer width="100%" height={280}>
      <BarChart data={data} layout="vertical" margin={{ left: 24 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis type="number" allowDecimals={false} />
        <YAxis type="category" dataKey="group" width={140} />
        <Tooltip />
        <Legend />
        {MACHINE_STATES.map((s) => (
          <Bar key={s} dataKey={s} stackId="machines" fill={STATE_COLOURS[s]} isAnimationActive={false} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
