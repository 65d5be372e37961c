import { cancelOrder } from "../../../services/orders/decide-order.ts";
import { orderDecisionRoute } from "./decision-route.ts";

export const registerCancelOrder = orderDecisionRoute({
  verb: "cancel",
  summary: "Cancel a pending order (operator)",
  description:
    "The order is withdrawn without execution and does not count toward cooldown. Only a pending order can be cancelled (409 illegal_transition otherwise).",
  decide: cancelOrder,
});
