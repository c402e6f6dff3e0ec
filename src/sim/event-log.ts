/**
 * Event-log hash for determinism checks: feed every emitted event in order; two runs are identical iff
 * their digests are (SHA-256 over a canonical line per event).
 */
import { createHash, type Hash } from "node:crypto";

export class EventLogHash {
  private readonly hash: Hash = createHash("sha256");
  count = 0;

  /** Adds one record; `fields` are serialized in the given order (callers pass a fixed order). */
  add(timeMs: number, type: string, ...fields: readonly (string | number | boolean | null)[]): void {
    let line = `${timeMs}|${type}`;
    for (const f of fields) line += `|${f}`;
    this.hash.update(line);
    this.hash.update("\n");
    this.count++;
  }

  /** Adds a pre-serialized line (e.g. a JSONL event line). */
  addLine(line: string): void {
    this.hash.update(line);
    this.hash.update("\n");
    this.count++;
  }

  digest(): string {
    return this.hash.copy().digest("hex");
  }
}
