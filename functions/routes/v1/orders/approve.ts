import { approveOrder } from "../../../services/orders/approve-order.ts";
import { orderDecisionRoute } from "./decision-route.ts";

export const registerApproveOrder = orderDecisionRoute({
  verb: "approve",
  summary: "Approve a pending order: it goes processing and is executed (operator)",
  description:
    "Entry orders assign their machines to the pool and settle at once; exit orders unassign available machines and drain ready ones (the order completes once the agent has reset them); maintenance orders drain ready machines for maintenance and take free ones out at once. Approving an order that is no longer pending is a 409 illegal_transition; with expectedVersion, one changed since is a 409 stale_version.",
  decide: approveOrder,
});
