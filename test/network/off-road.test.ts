import { describe, expect, it } from "vitest";
import { InputError } from "../../src/core/assert.js";
import type { Point } from "../../src/core/geo.js";
import { OFF_ROAD_DEFAULTS, withOffRoadFallback } from "../../src/optimize/network/index.js";

const a: Point = { x: 0, y: 0 };
const b: Point = { x: 300, y: 400 }; // 500 m apart

describe("withOffRoadFallback", () => {
  it("passes road answers through and counts nothing", () => {
    const t = withOffRoadFallback({ distanceM: () => 700, durationMs: (_a, _b, at) => 1000 + (at ?? 0) });
    expect(t.distanceM(a, b)).toBe(700);
    expect(t.durationMs(a, b, 5)).toBe(1005);
    expect(t.offRoadLegs).toBe(0);
  });

  it("an unsnappable end (InputError) or an unreachable pair travels straight × detour at the off-road pace", () => {
    const snapFails = () => {
      throw new InputError("points[1]", "no road within 500 m");
    };
    const t = withOffRoadFallback({ distanceM: snapFails, durationMs: () => Number.POSITIVE_INFINITY });
    expect(t.distanceM(a, b)).toBeCloseTo(500 * OFF_ROAD_DEFAULTS.detourFactor, 9);
    expect(t.durationMs(a, b)).toBe(
      Math.round(500 * OFF_ROAD_DEFAULTS.detourFactor * OFF_ROAD_DEFAULTS.msPerMetre),
    );
    expect(t.offRoadLegs).toBe(2);
    const custom = withOffRoadFallback(
      { distanceM: snapFails, durationMs: snapFails },
      { detourFactor: 1, msPerMetre: 2 },
    );
    expect(custom.durationMs(a, b)).toBe(1000);
  });

  it("any other error is a bug and propagates; bad options are refused naming the field", () => {
    const t = withOffRoadFallback({
      distanceM: () => {
        throw new RangeError("boom");
      },
      durationMs: () => 1,
    });
    expect(() => t.distanceM(a, b)).toThrow(RangeError);
    expect(t.offRoadLegs).toBe(0);
    const road = { distanceM: () => 1, durationMs: () => 1 };
    expect(() => withOffRoadFallback(road, { detourFactor: 0.5 })).toThrow(/^detourFactor: /);
    expect(() => withOffRoadFallback(road, { msPerMetre: 0 })).toThrow(/^msPerMetre: /);
  });
});
