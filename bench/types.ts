/** Shape of a benchmark suite. Each suite lives in bench/<name>.ts and is listed in bench/suites.ts. */
export interface BenchContext {
  /** Smaller sizes for a smoke run; reported figures come from full runs. */
  readonly quick: boolean;
  /** Progress lines go here (stderr), never into the table. */
  log(line: string): void;
}

export type Cell = string | number | boolean | null;

export interface BenchRow {
  readonly [column: string]: Cell;
}

export interface SuiteResult {
  /** Rows of the printed table; the same objects go into the JSON. */
  readonly rows: readonly BenchRow[];
  /** Target checks: name, measured value, target, pass. */
  readonly targets?: readonly { name: string; measured: number; target: string; pass: boolean }[];
  /** Named baseline measured in the same run, if any (e.g. "FCFS greedy", "seasonal naive"). */
  readonly baseline?: string;
  readonly notes?: readonly string[];
}

export interface BenchSuite {
  readonly name: string;
  readonly description: string;
  run(ctx: BenchContext): Promise<SuiteResult>;
}
