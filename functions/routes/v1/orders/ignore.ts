import { ignoreOrder } from "../../../services/orders/decide-order.ts";
import { orderDecisionRoute } from "./decision-route.ts";

export const registerIgnoreOrder = orderDecisionRoute({
  verb: "ignore",
  summary: "Ignore a pending order (operator)",
  description:
    "The order is closed without execution; it still counts toward its strategy's cooldown. Only a pending order can be ignored (409 illegal_transition otherwise).",
  decide: ignoreOrder,
});
