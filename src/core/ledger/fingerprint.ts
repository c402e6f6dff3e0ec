/**
 * Payload fingerprints for idempotency: a key's record keeps 60 bits instead of a copy of the request.
 *
 * Two independent 32-bit lanes (FNV-1a and a multiply–xorshift lane) over a tagged field stream, each
 * finished with an avalanche mix and cut to 30 bits so both halves stay V8 small integers (no heap box per
 * record). A false "same payload" needs a client to reuse a key with a different payload *and* hit a
 * 2^-60 collision; the ledger accepts that rather than storing every request.
 */
export class Fingerprint {
  hi = 0;
  lo = 0;
  private a = 0;
  private b = 0;

  begin(op: number): this {
    this.a = (0x811c9dc5 ^ op) | 0;
    this.b = Math.imul(0x2545f491 ^ op, 0x9e3779b1);
    return this;
  }

  str(text: string): this {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    // A terminator no UTF-16 unit can be, so ("ab","c") and ("a","bc") differ.
    this.a = Math.imul(a ^ 0x10000, 0x01000193);
    this.b = Math.imul(b ^ 0x10000, 0x5bd1e995);
    return this;
  }

  /** A number or null (null and every number hash differently). */
  num(value: number | null): this {
    if (value === null) return this.word(0x7fff0001).word(0);
    return this.word(value >>> 0).word(Math.floor(value / 4294967296) | 0);
  }

  /** The running state, to resume later from a common prefix (see `resume`). */
  get stateA(): number {
    return this.a;
  }
  get stateB(): number {
    return this.b;
  }

  /** Continues from a state read earlier through `stateA` / `stateB`, as if that prefix was fed again. */
  resume(a: number, b: number): this {
    this.a = a;
    this.b = b;
    return this;
  }

  end(): this {
    this.hi = mix32(this.a ^ Math.imul(this.b, 0x85ebca6b)) & 0x3fffffff;
    this.lo = mix32(this.b ^ Math.imul(this.a, 0xc2b2ae35) ^ 0x5f356495) & 0x3fffffff;
    return this;
  }

  private word(w: number): this {
    this.a = Math.imul(this.a ^ w, 0x01000193);
    const b = Math.imul(this.b ^ w, 0x5bd1e995);
    this.b = b ^ (b >>> 15);
    return this;
  }
}

function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
