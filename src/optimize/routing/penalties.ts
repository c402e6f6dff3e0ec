/**
 * Penalty weights for the two relaxed constraints (PyVRP's `PenaltyManager` idea, kept as one explicit
 * object): the search may pass through routes that are overloaded or late ("time warp"), paying
 * `loadWeight` per unit of excess load and `timeWarpWeight` per unit of time warp. The weights adapt so that
 * about `targetFeasible` of the local-search outcomes are feasible: too few feasible → raise, too many →
 * lower, so the search keeps exploring the boundary where good solutions live.
 */
export interface PenaltyWeights {
  loadWeight: number;
  timeWarpWeight: number;
}

export class PenaltyManager implements PenaltyWeights {
  loadWeight: number;
  timeWarpWeight: number;
  private loadFeasible = 0;
  private timeFeasible = 0;
  private samples = 0;

  constructor(
    initialLoadWeight: number,
    initialTimeWarpWeight: number,
    private readonly targetFeasible = 0.5,
    private readonly updateEvery = 50,
    private readonly minWeight = 0.01,
    private readonly maxWeight = 1e5,
  ) {
    this.loadWeight = initialLoadWeight;
    this.timeWarpWeight = initialTimeWarpWeight;
  }

  /** Records one local-search outcome; every `updateEvery` records, nudges both weights. */
  register(loadOk: boolean, timeOk: boolean): void {
    if (loadOk) this.loadFeasible++;
    if (timeOk) this.timeFeasible++;
    this.samples++;
    if (this.samples < this.updateEvery) return;
    this.loadWeight = this.adjust(this.loadWeight, this.loadFeasible / this.samples);
    this.timeWarpWeight = this.adjust(this.timeWarpWeight, this.timeFeasible / this.samples);
    this.samples = 0;
    this.loadFeasible = 0;
    this.timeFeasible = 0;
  }

  private adjust(weight: number, feasibleShare: number): number {
    // A dead band around the target avoids oscillating on noise.
    if (feasibleShare < this.targetFeasible - 0.05) weight *= 1.3;
    else if (feasibleShare > this.targetFeasible + 0.05) weight *= 0.85;
    return Math.min(this.maxWeight, Math.max(this.minWeight, weight));
  }
}
