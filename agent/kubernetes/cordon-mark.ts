/**
 * The mark the agent leaves on a Node it cordons for a reason that ends
 * (maintenance): `ksp.io/cordoned-for: <reason>`. Only a marked Node is ever
 * uncordoned by the agent, so an operator's own cordon (no mark) survives
 * whatever the agent does around it. Cordon and mark are set, and cleared,
 * in one patch each, so no crash leaves one without the other.
 */
export const CORDONED_FOR_ANNOTATION = "ksp.io/cordoned-for";

/** Why the agent cordoned a Node it will uncordon later. */
export type CordonReason = "maintenance";

/** What cordonWithMark found: "marked" (cordoned by us, now or before) or "foreign" (someone else's cordon). */
export type MarkOutcome = "marked" | "foreign";

/**
 * Whether a Node's cordon is someone else's: cordoned and not marked. A
 * marked Node is ours whatever it says (a crash between two passes, or an
 * operator who uncordoned it by hand meanwhile).
 */
export function cordonedByOthers(node: { unschedulable: boolean; cordonedFor: string | null }): boolean {
  return node.unschedulable && node.cordonedFor === null;
}
