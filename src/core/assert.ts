/**
 * Invariant checks that stay on in production (TigerBeetle style): a broken invariant is a bug, and a
 * crash with a precise message is better than a wrong answer that looks plausible.
 */
export class AssertionError extends Error {
  override name = "AssertionError";
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Error for bad input crossing a boundary: names the field path and the reason. */
export class InputError extends Error {
  override name = "InputError";
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(path === "" ? reason : `${path}: ${reason}`);
  }
}
