/**
 * The sweep's result store: one SQLite row per finished cell, keyed by the hash of the cell's definition
 * (src/sim/sweep/plan.ts). A cell is written in one transaction when it ends, and only then: a sweep killed
 * mid-cell leaves no trace of that cell, and the rerun redoes it.
 *
 * WAL with synchronous NORMAL: a committed cell is in the WAL file when the transaction returns, so it
 * survives the process being killed; a power cut may lose the last few cells (never half of one), which a
 * resumed sweep then runs again. FULL would fsync every cell: on this project's shared disk that measured
 * ~100 ms a cell, longer than a small cell's simulation, and the store became the sweep's bottleneck.
 */
import Database from "better-sqlite3";
import { InputError } from "../../core/assert.js";
import { fileErrorReason } from "../feeds/files.js";

export interface StoredCell {
  readonly key: string;
  /** The run's summary.json, as bytes are compared: a resumed sweep reads back exactly what was stored. */
  readonly summaryJson: string;
}

export class SweepStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<[string, string, string]>;
  private readonly select: Database.Statement<[string], { summary: string }>;

  constructor(file: string) {
    try {
      this.db = new Database(file);
    } catch (error) {
      throw new InputError(file, `cannot open the sweep store: ${fileErrorReason(error)}`);
    }
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(`CREATE TABLE IF NOT EXISTS cells (
      key     TEXT PRIMARY KEY,  -- sha256 of the cell's definition (scenario, seed, replay, version)
      label   TEXT NOT NULL,     -- variant / policy / seed, for a human reading the file
      summary TEXT NOT NULL      -- the run's summary.json
    ) WITHOUT ROWID`);
    // INSERT OR IGNORE: a key is a definition, so a second result for it would be the same bytes.
    this.insert = this.db.prepare("INSERT OR IGNORE INTO cells (key, label, summary) VALUES (?, ?, ?)");
    this.select = this.db.prepare("SELECT summary FROM cells WHERE key = ?");
  }

  get(key: string): string | undefined {
    return this.select.get(key)?.summary;
  }

  /** Stores one finished cell, atomically. */
  put(key: string, label: string, summaryJson: string): void {
    this.db.transaction(() => this.insert.run(key, label, summaryJson))();
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM cells").get() as { n: number }).n;
  }

  close(): void {
    this.db.close();
  }
}
