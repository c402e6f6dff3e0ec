/**
 * Ruin by adjacent string removal (SISR): pick a random seed customer and cut short strings of
 * consecutive customers out of the routes passing nearest to it. Removing geographically close strings
 * from several routes frees the slack that lets the recreate step rebuild them better together.
 */
import type { RandomStream } from "../../core/random.js";
import type { MoveContext } from "./solution.js";
import { copyRange } from "./solution.js";

export interface RuinParams {
  /** Average number of customers removed. */
  readonly meanRemoved: number;
  /** Longest string cut from one route. */
  readonly maxStringLength: number;
}

/**
 * Removes customers into `out`, returns how many. `byDistance` is the n×(n-1) order of all customers by
 * distance from each customer (row 0 unused), `k` its row length.
 */
export function ruinStrings(
  ctx: MoveContext,
  params: RuinParams,
  byDistance: Int32Array,
  k: number,
  rng: RandomStream,
  out: Int32Array,
  routeTouched: Uint8Array,
): number {
  const rs = ctx.rs;
  const n = rs.n;
  const customers = n - 1;
  if (customers === 0) return 0;
  routeTouched.fill(0);
  const target = Math.min(customers, Math.max(1, Math.round(rng.uniform(0.5, 1.5) * params.meanRemoved)));
  const seed = 1 + rng.int(customers);
  let removed = 0;
  // Walk the seed and its distance-ordered neighbours; bounded by the row length.
  for (let q = -1; q < k && removed < target; q++) {
    const c = q < 0 ? seed : byDistance[seed * k + q]!;
    const r = rs.routeOf[c]!;
    if (r < 0 || routeTouched[r] === 1) continue;
    routeTouched[r] = 1;
    const len = rs.len[r]!;
    const maxLen = Math.min(len, params.maxStringLength, target - removed);
    const stringLength = 1 + rng.int(maxLen);
    const pc = rs.posOf[c]!;
    // A string of that length containing c, at a random offset within the route.
    const lo = Math.max(1, pc - stringLength + 1);
    const hi = Math.min(pc, len - stringLength + 1);
    const start = lo + rng.int(hi - lo + 1);
    for (let p = start; p < start + stringLength; p++) out[removed++] = rs.nodeAt(r, p);
    const A = ctx.bufA;
    let a = copyRange(rs, r, 1, start - 1, A, 0);
    a = copyRange(rs, r, start + stringLength, len, A, a);
    ctx.commit(r, A, a);
  }
  // Pairs leave together: a removed stop takes its partner along, wherever the string cut.
  if (ctx.hasPairs) {
    const inst = rs.inst;
    const strings = removed;
    for (let i = 0; i < strings; i++) {
      const partner = inst.partner[out[i]!]!;
      if (partner < 0 || rs.routeOf[partner]! < 0) continue;
      const r = rs.routeOf[partner]!;
      const pos = rs.posOf[partner]!;
      const A = ctx.bufA;
      let a = copyRange(rs, r, 1, pos - 1, A, 0);
      a = copyRange(rs, r, pos + 1, rs.len[r]!, A, a);
      ctx.commit(r, A, a);
      out[removed++] = partner;
    }
  }
  return removed;
}
