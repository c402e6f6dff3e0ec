/**
 * Seeded randomness: named, independent streams derived from one seed.
 *
 * Why our own generator and not seedrandom / pure-rand: a stream here is a 128-bit xoshiro128** state in
 * four int32 fields, advanced with Math.imul and shifts only, so it is bit-identical on every machine and
 * allocation-free on the simulator's hot paths; streams are derived by hashing (seed, name), so adding a
 * stream never shifts another and creation order does not matter. Distributions use Math.log / exp /
 * cos / sqrt, which V8 implements in software (fdlibm port), so a given Node major gives identical
 * numbers everywhere.
 */
import type { Rng } from "./ports.js";

/** 32-bit FNV-1a over a string's UTF-16 code units, then avalanche-mixed. */
function hashString32(text: string, salt: number): number {
  let h = (0x811c9dc5 ^ salt) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix32(h);
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** splitmix32: expands a 32-bit seed into well-mixed words for the xoshiro state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  return mix32(state.s);
}

export class RandomStream implements Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  /** Draws made so far: lets tests and reports state how far a stream has run. */
  draws = 0;

  constructor(seed: number, name = "") {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 4294967296) >>> 0;
    const sm = { s: hashString32(name, lo) ^ mix32(hi + 0x632be5ab) };
    this.a = splitmix32(sm);
    this.b = splitmix32(sm);
    this.c = splitmix32(sm);
    this.d = splitmix32(sm);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1; // the all-zero state is a fixed point
  }

  /** A stream with an explicit xoshiro128** state (reference vectors, checkpoints). */
  static fromState(a: number, b: number, c: number, d: number): RandomStream {
    const s = new RandomStream(0);
    s.a = a | 0;
    s.b = b | 0;
    s.c = c | 0;
    s.d = d | 0;
    return s;
  }

  /** Next raw 32-bit output of xoshiro128**. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    this.draws++;
    return result >>> 0;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  next(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Uniform integer in [0, n), unbiased (rejection on the 32-bit word). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296))
      throw new RangeError(`int(n): n must be in 1..2^32, got ${n}`);
    if (n > 2097152) return Math.floor(this.next() * n); // 53-bit float: bias < 2^-31
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Uniform integer in [min, max] inclusive. */
  intBetween(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  bernoulli(p: number): boolean {
    return this.next() < p;
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    if (!(rate > 0)) throw new RangeError(`exponential rate must be > 0, got ${rate}`);
    return -Math.log(1 - this.next()) / rate;
  }

  /** Normal via Box–Muller; one value per two uniforms, no cached spare (keeps the stream stateless). */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.next();
    const u2 = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Lognormal: exp(N(mu, sigma)) — parameters of the underlying normal. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  /** Lognormal parameterised by its own mean and coefficient of variation. */
  lognormalMeanCv(mean: number, cv: number): number {
    const sigma2 = Math.log(1 + cv * cv);
    return this.lognormal(Math.log(mean) - sigma2 / 2, Math.sqrt(sigma2));
  }

  /** Gamma(shape k, scale θ) by Marsaglia–Tsang; k < 1 by the boost U^(1/k). */
  gamma(shape: number, scale = 1): number {
    if (!(shape > 0 && scale > 0))
      throw new RangeError(`gamma needs shape, scale > 0, got ${shape}, ${scale}`);
    if (shape < 1) return this.gamma(shape + 1, scale) * this.next() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (let guard = 0; guard < 1000; guard++) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v * scale;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v * scale;
    }
    return shape * scale; // unreachable in practice: acceptance rate is > 95 %
  }

  /** Poisson: multiplication method below mean 30, PTRS (Hörmann 1993) above. */
  poisson(mean: number): number {
    if (!(mean >= 0)) throw new RangeError(`poisson mean must be >= 0, got ${mean}`);
    if (mean === 0) return 0;
    if (mean < 30) {
      const limit = Math.exp(-mean);
      let k = 0;
      let p = this.next();
      while (p > limit) {
        k++;
        p *= this.next();
      }
      return k;
    }
    const slam = Math.sqrt(mean);
    const loglam = Math.log(mean);
    const b = 0.931 + 2.53 * slam;
    const a = -0.059 + 0.02483 * b;
    const invalpha = 1.1239 + 1.1328 / (b - 3.4);
    const vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const u = this.next() - 0.5;
      const v = this.next();
      const us = 0.5 - Math.abs(u);
      const k = Math.floor(((2 * a) / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (
        Math.log(v) + Math.log(invalpha) - Math.log(a / (us * us) + b) <=
        -mean + k * loglam - logFactorial(k)
      )
        return k;
    }
  }

  /** Negative binomial with mean μ and size r (variance μ + μ²/r): a Poisson–gamma mixture. */
  negativeBinomial(mean: number, size: number): number {
    if (mean === 0) return 0;
    return this.poisson(this.gamma(size, mean / size));
  }

  /** Index drawn with probability proportional to weights[i] (non-negative, not all zero). */
  weightedIndex(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0)) throw new RangeError(`weight ${i} must be >= 0, got ${w}`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError("weights must not all be zero");
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    for (let i = weights.length - 1; i >= 0; i--) if (weights[i]! > 0) return i; // rounding at the tail
    return weights.length - 1;
  }

  weightedChoice<T>(items: readonly T[], weights: ArrayLike<number>): T {
    if (items.length !== weights.length) throw new RangeError("items and weights differ in length");
    return items[this.weightedIndex(weights)]!;
  }

  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("choice from an empty list");
    return items[this.int(items.length)]!;
  }

  /** Fisher–Yates, in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

const LOG_FACTORIAL_TABLE: number[] = [0];
function logFactorial(k: number): number {
  if (k < 256) {
    for (let i = LOG_FACTORIAL_TABLE.length; i <= k; i++)
      LOG_FACTORIAL_TABLE[i] = LOG_FACTORIAL_TABLE[i - 1]! + Math.log(i);
    return LOG_FACTORIAL_TABLE[k]!;
  }
  // Stirling series: error < 1e-12 for k >= 256.
  return (k + 0.5) * Math.log(k) - k + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * k) - 1 / (360 * k * k * k);
}

/**
 * One seed, many named streams. `stream("orders")` is the same sequence whatever other streams exist or in
 * which order they were created.
 */
export class RandomStreams {
  private readonly streams = new Map<string, RandomStream>();
  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  }
  stream(name: string): RandomStream {
    let s = this.streams.get(name);
    if (s === undefined) {
      s = new RandomStream(this.seed, name);
      this.streams.set(name, s);
    }
    return s;
  }
}
