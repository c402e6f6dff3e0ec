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

/** `["stores", 3, "location", "lat"]` → `stores[3].location.lat`: how every adapter spells a field path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const p of path) {
    if (typeof p === "number") out += `[${p}]`;
    else out += out === "" ? String(p) : `.${String(p)}`;
  }
  return out === "" ? "(root)" : out;
}
