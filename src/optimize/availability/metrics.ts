/**
 * Scoring rules for probability forecasts against 0/1 truth: Brier score, log loss, and the reliability
 * table over deciles with its calibration error (mean |mean predicted − observed rate| over non-empty
 * deciles, in probability points ×100 when printed).
 */
import { assert } from "../../core/assert.js";

/** Accumulates (p, y) pairs; O(1) per pair, no allocation. */
export class ForecastScore {
  count = 0;
  private brierSum = 0;
  private logLossSum = 0;
  private readonly binCount = new Float64Array(10);
  private readonly binPredicted = new Float64Array(10);
  private readonly binObserved = new Float64Array(10);

  add(p: number, y: 0 | 1 | boolean): void {
    assert(p >= 0 && p <= 1, `forecast p must be in [0, 1], got ${p}`);
    const o = y ? 1 : 0;
    this.count++;
    this.brierSum += (p - o) * (p - o);
    // Clamped: a confident miss costs log(1e-6) ≈ 13.8 nats instead of infinity.
    const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
    this.logLossSum -= o === 1 ? Math.log(q) : Math.log(1 - q);
    const bin = Math.min(9, Math.floor(p * 10));
    this.binCount[bin]! += 1;
    this.binPredicted[bin]! += p;
    this.binObserved[bin]! += o;
  }

  brier(): number {
    return this.count === 0 ? Number.NaN : this.brierSum / this.count;
  }
  logLoss(): number {
    return this.count === 0 ? Number.NaN : this.logLossSum / this.count;
  }

  reliability(): ReliabilityBin[] {
    const out: ReliabilityBin[] = [];
    for (let b = 0; b < 10; b++) {
      const n = this.binCount[b]!;
      out.push({
        lo: b / 10,
        hi: (b + 1) / 10,
        count: n,
        meanPredicted: n === 0 ? null : this.binPredicted[b]! / n,
        observedRate: n === 0 ? null : this.binObserved[b]! / n,
      });
    }
    return out;
  }

  /**
   * Mean |predicted − observed| over the deciles, weighted by their counts (an unweighted mean would let a
   * decile of 3 observations count as much as one of 30,000).
   */
  calibrationError(): number {
    if (this.count === 0) return Number.NaN;
    let sum = 0;
    for (let b = 0; b < 10; b++) {
      const n = this.binCount[b]!;
      if (n > 0) sum += Math.abs(this.binPredicted[b]! - this.binObserved[b]!);
    }
    return sum / this.count;
  }

  summary(): ForecastSummary {
    return {
      count: this.count,
      brier: this.brier(),
      logLoss: this.logLoss(),
      calibrationError: this.calibrationError(),
      reliability: this.reliability(),
    };
  }
}

export interface ReliabilityBin {
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  readonly meanPredicted: number | null;
  readonly observedRate: number | null;
}

export interface ForecastSummary {
  readonly count: number;
  readonly brier: number;
  readonly logLoss: number;
  readonly calibrationError: number;
  readonly reliability: readonly ReliabilityBin[];
}
