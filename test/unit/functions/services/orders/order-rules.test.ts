/**
 * The order rules that need no database: the lifecycle table (every pair of
 * statuses, for every action), the device plans on approval and while
 * processing, and how an order settles from its devices.
 */
import { describe, expect, it } from "vitest";
import { ORDER_ACTIONS, ORDER_STATUSES, type OrderStatus } from "../../../../../drizzle/schema/index.ts";
import {
  type DeviceMachine,
  orderOutcome,
  planOnApproval,
  planProgress,
} from "../../../../../functions/services/orders/device-plans.ts";
import {
  assertOrderTransition,
  canTransitionOrder,
} from "../../../../../functions/services/orders/order-states.ts";
import { MACHINE_STATES, type MachineState } from "../../../../../proto/machine-states.ts";

const LEGAL: Record<OrderStatus, OrderStatus[]> = {
  pending: ["processing", "cancelled", "ignored"],
  processing: ["completed", "failed", "maintenance_in_progress"],
  maintenance_in_progress: ["completed", "failed"],
  completed: [],
  failed: [],
  cancelled: [],
  ignored: [],
};

describe("order lifecycle", () => {
  for (const action of ORDER_ACTIONS) {
    for (const from of ORDER_STATUSES) {
      for (const to of ORDER_STATUSES) {
        const legal =
          LEGAL[from].includes(to) && (to !== "maintenance_in_progress" || action === "maintenance");
        it(`${action}: ${from} → ${to} is ${legal ? "legal" : "illegal"}`, () => {
          expect(canTransitionOrder(action, from, to)).toBe(legal);
          if (legal) expect(() => assertOrderTransition(action, from, to)).not.toThrow();
          else expect(() => assertOrderTransition(action, from, to)).toThrow(/cannot go from/);
        });
      }
    }
  }
});

const POOL = "11111111-1111-4111-8111-111111111111";
const CLUSTER = "22222222-2222-4222-8222-222222222222";

function machine(
  status: MachineState,
  place: "free" | "pool" | "elsewhere" = "pool",
  nodeName: string | null = null,
) {
  const at = {
    free: { clusterId: null, poolId: null },
    pool: { clusterId: CLUSTER, poolId: POOL },
    elsewhere: { clusterId: CLUSTER, poolId: "33333333-3333-4333-8333-333333333333" },
  }[place];
  return {
    id: "m",
    hostname: "host-1",
    status,
    version: 3,
    nodeName,
    lastError: null,
    ...at,
  } as DeviceMachine;
}

const order = (action: (typeof ORDER_ACTIONS)[number]) => ({ action, clusterId: CLUSTER, poolId: POOL });

describe("plans on approval", () => {
  it("entry: assigns only free, available machines that fit", () => {
    expect(planOnApproval(order("pool_entry"), machine("available", "free"), true)).toEqual({
      status: "done",
      error: null,
      step: { kind: "assign", to: { clusterId: CLUSTER, poolId: POOL } },
    });
    expect(planOnApproval(order("pool_entry"), machine("available", "free"), false).status).toBe("failed");
    expect(planOnApproval(order("pool_entry"), machine("available", "pool"), true).status).toBe("failed");
    expect(planOnApproval(order("pool_entry"), machine("maintenance", "free"), true).error).toContain(
      "maintenance",
    );
  });

  it("exit: unassigns available, drains ready, waits on draining and leaving, refuses the rest", () => {
    const plan = (s: MachineState, place: "pool" | "elsewhere" = "pool") =>
      planOnApproval(order("pool_exit"), machine(s, place), false);
    expect(plan("available")).toMatchObject({ status: "done", step: { kind: "unassign" } });
    expect(plan("ready")).toMatchObject({
      status: "in_progress",
      step: { kind: "transition", to: "draining" },
    });
    expect(plan("draining")).toMatchObject({ status: "in_progress", step: { kind: "none" } });
    expect(plan("leaving")).toMatchObject({ status: "in_progress", step: { kind: "none" } });
    for (const s of ["reserved", "joining", "fault", "maintenance", "archived"] as const) {
      expect(plan(s).status, s).toBe("failed");
    }
    expect(plan("available", "elsewhere").status).toBe("failed");
  });

  it("maintenance: drains ready with the maintenance intent, takes available and faulty ones at once", () => {
    const plan = (s: MachineState) => planOnApproval(order("maintenance"), machine(s), false);
    expect(plan("ready")).toMatchObject({
      status: "in_progress",
      step: { kind: "transition", to: "draining", patch: { drainIntent: "maintenance" } },
    });
    expect(plan("available")).toMatchObject({
      status: "done",
      step: { kind: "transition", to: "maintenance" },
    });
    expect(plan("fault")).toMatchObject({ status: "done", step: { kind: "transition", to: "maintenance" } });
    expect(plan("maintenance")).toMatchObject({ status: "done", step: { kind: "none" } });
    for (const s of ["reserved", "joining", "draining", "leaving", "archived"] as const) {
      expect(plan(s).status, s).toBe("failed");
    }
  });

  it("uncordon: maintenance → ready only for a machine that kept its Node", () => {
    expect(planOnApproval(order("uncordon"), machine("maintenance", "pool", "node-1"), false)).toMatchObject({
      status: "done",
      step: { kind: "transition", to: "ready" },
    });
    expect(planOnApproval(order("uncordon"), machine("maintenance"), false).status).toBe("failed");
    expect(planOnApproval(order("uncordon"), machine("ready", "pool", "node-1"), false).status).toBe(
      "failed",
    );
  });
});

describe("progress of in-progress devices", () => {
  it("exit: waits while draining or leaving, unassigns once available in the pool", () => {
    const plan = (s: MachineState, place: "free" | "pool" | "elsewhere" = "pool") =>
      planProgress(order("pool_exit"), machine(s, place));
    expect(plan("draining").status).toBe("in_progress");
    expect(plan("leaving").status).toBe("in_progress");
    expect(plan("available")).toMatchObject({ status: "done", step: { kind: "unassign" } });
    expect(plan("available", "free")).toMatchObject({ status: "done", step: { kind: "none" } });
    expect(plan("available", "elsewhere").status).toBe("failed");
    expect(plan("fault")).toMatchObject({ status: "failed", error: "fault" });
    expect(plan("ready").status).toBe("failed");
  });

  it("maintenance: done in maintenance, waiting while draining, failed otherwise", () => {
    for (const s of MACHINE_STATES) {
      const expected = s === "maintenance" ? "done" : s === "draining" ? "in_progress" : "failed";
      expect(planProgress(order("maintenance"), machine(s)).status, s).toBe(expected);
    }
  });
});

describe("order outcome", () => {
  const d = (
    status: "pending" | "in_progress" | "done" | "failed",
    hostname = "h",
    error: string | null = null,
  ) => ({
    hostname,
    status,
    error,
  });
  it("waits while a device is pending or in progress", () => {
    expect(orderOutcome({ action: "pool_exit" }, [d("done"), d("in_progress")])).toBeNull();
    expect(orderOutcome({ action: "pool_entry" }, [d("pending")])).toBeNull();
  });
  it("completes when every device is done, fails naming the ones that failed", () => {
    expect(orderOutcome({ action: "pool_entry" }, [d("done"), d("done")])).toEqual({
      to: "completed",
      failureReason: null,
    });
    expect(orderOutcome({ action: "pool_exit" }, [d("done", "a"), d("failed", "b", "fault")])).toEqual({
      to: "failed",
      failureReason: "failed: b (fault)",
    });
  });
  it("maintenance: in progress once any machine is in maintenance, failed when none is", () => {
    expect(orderOutcome({ action: "maintenance" }, [d("done"), d("failed")])?.to).toBe(
      "maintenance_in_progress",
    );
    expect(orderOutcome({ action: "maintenance" }, [d("failed", "a", "fault")])).toEqual({
      to: "failed",
      failureReason: "failed: a (fault)",
    });
  });
});
