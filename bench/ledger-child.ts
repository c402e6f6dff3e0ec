/**
 * One timed repetition of a ledger reserve → commit case, in a process of its own:
 *
 *   node dist/bench/ledger-child.js <distRoot> <one|forty> <count> <rep>
 *
 * loads the Ledger from `<distRoot>/src/core/ledger/ledger.js` (this build's dist/, or a baseline build's),
 * warms it up, times `count` pairs on a fresh ledger and prints `{ perS, perCpuS }` as JSON. bench/ledger.ts
 * runs one child per repetition and implementation. Why a process each: timing two builds in one process
 * shares the harness's call sites, inline caches and heap between them, and that measured the same code as
 * 25 % slower or faster depending on which build the JIT saw first. A fresh process per repetition also
 * keeps what other suites left in the heap out of the figure.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Ledger } from "../src/core/ledger/ledger.js";
import type { ReservationLine } from "../src/core/ledger/types.js";
import type { DomainEvent, ManualClock } from "../src/core/ports.js";

const STORE = "DS001";

/** An EventSink that only counts: the events are built, as they would be for a real sink. */
const countingSink = {
  count: 0,
  emit(_event: DomainEvent): void {
    this.count++;
  },
};

function skuNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `SKU${String(i).padStart(6, "0")}`);
}

/** 1-line baskets over 1,000 SKUs; 40-line baskets over 5,000 (stride 125 × 40 keeps a basket's SKUs distinct). */
function caseData(kind: "one" | "forty"): { skus: string[]; baskets: ReservationLine[][] } {
  if (kind === "one") {
    const skus = skuNames(1000);
    return { skus, baskets: skus.map((sku) => [{ sku, qty: 1 }]) };
  }
  const skus = skuNames(5000);
  const baskets = Array.from({ length: 1000 }, (_, b) =>
    Array.from({ length: 40 }, (_, j) => ({
      sku: skus[(b * 7 + j * 125) % skus.length]!,
      qty: 1 + ((b + j) % 3),
    })),
  );
  return { skus, baskets };
}

interface Impl {
  readonly Ledger: typeof Ledger;
  readonly ManualClock: typeof ManualClock;
}

function rep(
  impl: Impl,
  kind: "one" | "forty",
  count: number,
  tag: string,
): { perS: number; perCpuS: number } {
  const { skus, baskets } = caseData(kind);
  const clock = new impl.ManualClock(0);
  const ledger = new impl.Ledger({ clock, events: countingSink });
  for (let i = 0; i < skus.length; i++) {
    ledger.adjust({ key: `load/${i}`, storeId: STORE, sku: skus[i]!, kind: "receive", qty: 1_000_000_000 });
  }
  // Keys are built before the clock starts: the figure is the ledger's cost, not string formatting.
  const reserveKeys = Array.from({ length: count }, (_, i) => `r${tag}/${i}`);
  const commitKeys = Array.from({ length: count }, (_, i) => `c${tag}/${i}`);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const r = ledger.reserve({
      key: reserveKeys[i]!,
      storeId: STORE,
      lines: baskets[i % baskets.length]!,
      kind: "hard",
    });
    ledger.commit({ key: commitKeys[i]!, reservationId: r.id });
  }
  const wallS = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { perS: count / wallS, perCpuS: count / ((c.user + c.system) / 1e6) };
}

async function main(): Promise<void> {
  const [distRoot, kind, countText, repText] = process.argv.slice(2);
  if (distRoot === undefined || (kind !== "one" && kind !== "forty"))
    throw new Error("usage: ledger-child.js <distRoot> <one|forty> <count> <rep>");
  const load = async (file: string) => import(pathToFileURL(resolve(distRoot, file)).href);
  const impl: Impl = {
    Ledger: (await load("src/core/ledger/ledger.js")).Ledger,
    ManualClock: (await load("src/core/ports.js")).ManualClock,
  };
  // Warm-up so the JIT has compiled the hot paths before anything is timed.
  rep(impl, kind, kind === "one" ? 50_000 : 2_000, "w");
  process.stdout.write(`${JSON.stringify(rep(impl, kind, Number(countText), repText ?? "0"))}\n`);
}

await main();
