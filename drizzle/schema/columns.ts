import { timestamp } from "drizzle-orm/pg-core";

/** Shared column helpers: every timestamp is timezone-aware, stored in UTC. */
export const tstz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

export const createdAt = () => tstz("created_at").notNull().defaultNow();
export const updatedAt = () => tstz("updated_at").notNull().defaultNow();

export type Labels = Record<string, string>;
export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}
