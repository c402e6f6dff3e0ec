/**
 * Engine suite: the hold model at 1,000 and 100,000 pending events, events per second.
 * Targets (issue 2): >= 3 M events/s at 1,000 pending, >= 1.5 M at 100,000. SimPy: ~0.5 M and ~0.13 M.
 */
import { holdModel } from "../src/sim/hold-model.js";
import type { BenchRow, BenchSuite } from "./types.js";

const TARGETS_EVENTS_PER_S: Record<number, number> = { 1000: 3_000_000, 100000: 1_500_000 };

export const engineSuite: BenchSuite = {
  name: "engine",
  description: "hold model on the discrete-event engine (events/s at a fixed pending-set size)",
  async run(ctx) {
    const rows: BenchRow[] = [];
    const targets = [];
    for (const pending of [1000, 100000]) {
      const events = ctx.quick ? 500_000 : 5_000_000;
      holdModel({ entities: pending, events: Math.min(events, 1_000_000), seed: 7 }); // warm-up (JIT)
      const samples: number[] = [];
      for (let rep = 0; rep < (ctx.quick ? 1 : 3); rep++) {
        const t0 = performance.now();
        const r = holdModel({ entities: pending, events, seed: rep + 1 });
        const s = (performance.now() - t0) / 1000;
        samples.push(r.events / s);
      }
      samples.sort((a, b) => a - b);
      const median = samples[Math.floor(samples.length / 2)]!;
      const target = TARGETS_EVENTS_PER_S[pending]!;
      rows.push({
        pending,
        events,
        runs: samples.length,
        events_per_s_median: Math.round(median),
        events_per_s_min: Math.round(samples[0]!),
        target_events_per_s: target,
      });
      targets.push({
        name: `hold model, ${pending} pending`,
        measured: Math.round(median),
        target: `>= ${target}`,
        pass: median >= target,
      });
    }
    return {
      rows,
      targets,
      notes: ["SimPy on this machine: about 0.5 M (1,000 pending) and 0.13 M events/s (100,000)."],
    };
  },
};
