/**
 * VROOM's order of solutions: more priority served first, then more tasks served, then lower cost — so a
 * cheaper plan never buys its saving by leaving a task out, whatever the search budget.
 */
export interface Score {
  readonly priority: number;
  readonly assigned: number;
  readonly cost: number;
}

/** Negative when a is better than b, positive when worse, 0 when equal. */
export function compareScores(a: Score, b: Score): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.assigned !== b.assigned) return b.assigned - a.assigned;
  return a.cost - b.cost;
}

/** Equal in what is served (priority and count): only the cost may differ. */
export function sameService(a: Score, b: Score): boolean {
  return a.priority === b.priority && a.assigned === b.assigned;
}
