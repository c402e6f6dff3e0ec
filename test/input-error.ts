/** The InputError `f` throws (its path and reason are what a test checks); anything else fails the test. */
import { InputError } from "../src/core/assert.js";

export function inputErrorOf(f: () => unknown): InputError {
  try {
    f();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("expected an InputError, got none");
}
