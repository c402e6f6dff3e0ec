/**
 * The cheapest a Node service's side of PostgreSQL can be, for bench http's floor rows: node-postgres (the
 * driver `lastmile serve` uses) sends bench/pg-floor.sql's transaction — a minimal ledger's set-based
 * writes for 8 HTTP requests — as one simple-protocol query per transaction (one round trip, as the
 * service's group commit does), on `clients` connections, as fast as answered. No HTTP, no ledger, no JSON:
 * its own CPU per HTTP request is the driver's and the sockets' share that no PostgreSQL-backed Node
 * service can avoid; the database's CPU is read by the parent from the machine's busy time.
 *
 * Run as a process: `node pg-client-floor.js URL SCHEMA SECONDS CLIENTS SQL_FILE`; prints one JSON line
 * {"transactions", "seconds", "cpuUs"} on stdout. The schema must hold the ledger's tables with SKUs
 * sku-0 … sku-99 of store DS1 stocked (bench http's pgbench floor makes it).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** Reservation ids are (FIRST_CLIENT + client) × ID_STRIDE + a counter: clear of pgbench's 0 … 20 × 10^8. */
const FIRST_CLIENT = 11;
const ID_STRIDE = 100_000_000;

export interface PgClientFloorResult {
  readonly transactions: number;
  readonly seconds: number;
  /** This process's user + system CPU over the timed loop (µs). */
  readonly cpuUs: number;
}

/**
 * pg-floor.sql without its comments and pgbench meta-commands, with pgbench's :b (the batch's first
 * reservation id) and :s (the first SKU) substituted; `::type` casts are left alone.
 */
export function floorTransaction(script: string, firstId: number, firstSku: number): string {
  return script
    .split("\n")
    .filter((line) => !line.startsWith("--") && !line.startsWith("\\"))
    .join("\n")
    .replace(/(?<!:):b\b/g, String(firstId))
    .replace(/(?<!:):s\b/g, String(firstSku));
}

async function main(): Promise<void> {
  const [url, schema, secondsText, clientsText, sqlFile] = process.argv.slice(2);
  const seconds = Number(secondsText);
  const clients = Number(clientsText);
  if (
    url === undefined ||
    schema === undefined ||
    !/^[a-z_][a-z0-9_]*$/.test(schema) ||
    !(seconds > 0) ||
    !Number.isInteger(clients) ||
    clients < 1 ||
    clients > 8 ||
    sqlFile === undefined
  ) {
    process.stderr.write("usage: pg-client-floor.js URL SCHEMA SECONDS CLIENTS(1-8) SQL_FILE\n");
    process.exit(2);
  }
  const script = readFileSync(sqlFile, "utf8");
  const pool = new pg.Pool({ connectionString: url, max: clients });
  let transactions = 0;
  // A fixed SKU sequence, not Math.random: the same run twice touches the same rows.
  let sku = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const endMs = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      const client = await pool.connect();
      try {
        await client.query(`SET search_path TO ${schema}`);
        for (let next = 4; performance.now() < endMs; next += 4) {
          sku = (sku + 37) % 96;
          await client.query(floorTransaction(script, (FIRST_CLIENT + c) * ID_STRIDE + next, sku));
          transactions++;
        }
      } finally {
        client.release();
      }
    }),
  );
  const cpu = process.cpuUsage(cpu0);
  const result: PgClientFloorResult = {
    transactions,
    seconds: (performance.now() - t0) / 1000,
    cpuUs: cpu.user + cpu.system,
  };
  await pool.end();
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((error) => {
    process.stderr.write(`pg client floor: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
