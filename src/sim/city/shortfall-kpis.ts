/**
 * KPIs of the orders a ledger shortfall hit (docs/ledger.md): an order is hit when a `ledger.shortfall`
 * named its hold at risk — the shelf turned out to have fewer units than were promised — and this section
 * says how those orders ended. The classes are exclusive, checked in this order: cancelled (before or
 * after picking), substituted (at least one unit replaced), short-picked (units refunded, none replaced),
 * filled (every unit picked: the shelf had them after all, e.g. a restock or a count that was wrong).
 */

export interface ShortfallKpis {
  readonly shortfallOrders: number;
  readonly shortfallCancelled: number;
  readonly shortfallSubstituted: number;
  readonly shortfallShortPicked: number;
  readonly shortfallFilled: number;
  /** Hit orders still open at the end of the run. */
  readonly shortfallOpen: number;
}

/** What an order contributes: its state, its main hold's id (-1 if it never held stock), its pick outcome. */
export interface ShortfallOrder {
  readonly state: string;
  readonly heldReservationId: number;
  readonly substituted: number;
  readonly refunded: number;
}

export function shortfallKpis(orders: readonly ShortfallOrder[], atRisk: ReadonlySet<number>): ShortfallKpis {
  let hit = 0;
  let cancelled = 0;
  let substituted = 0;
  let shortPicked = 0;
  let filled = 0;
  let open = 0;
  for (const o of orders) {
    if (o.heldReservationId < 0 || !atRisk.has(o.heldReservationId)) continue;
    hit++;
    if (o.state === "cancelled") cancelled++;
    else if (o.state !== "delivered") open++;
    else if (o.substituted > 0) substituted++;
    else if (o.refunded > 0) shortPicked++;
    else filled++;
  }
  return {
    shortfallOrders: hit,
    shortfallCancelled: cancelled,
    shortfallSubstituted: substituted,
    shortfallShortPicked: shortPicked,
    shortfallFilled: filled,
    shortfallOpen: open,
  };
}
