import { sql } from "drizzle-orm";
import { check, index, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { tstz, updatedAt } from "./columns.ts";
import { machines } from "./machines.ts";
import { orders } from "./orders.ts";

export const ORDER_DEVICE_STATUSES = ["pending", "in_progress", "done", "failed"] as const;
export type OrderDeviceStatus = (typeof ORDER_DEVICE_STATUSES)[number];

/** The machines of an order and how far each has got. */
export const orderDevices = pgTable(
  "order_devices",
  {
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    machineId: uuid("machine_id")
      .notNull()
      .references(() => machines.id, { onDelete: "restrict" }),
    status: text("status").$type<OrderDeviceStatus>().notNull().default("pending"),
    error: text("error"),
    finishedAt: tstz("finished_at"),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.machineId] }),
    // "is this machine in an open order?" and the device's history
    index("order_devices_machine_idx").on(t.machineId),
    check("order_devices_status_ck", sql`${t.status} in ('pending', 'in_progress', 'done', 'failed')`),
  ],
);

export type OrderDevice = typeof orderDevices.$inferSelect;
export type NewOrderDevice = typeof orderDevices.$inferInsert;
