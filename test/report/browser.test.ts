/**
 * Opens generated reports in headless Chromium (Debian's package, driven by playwright-core) and checks
 * what a person would see: no console errors, no network, the KPI numbers equal summary.json, the charts
 * drawn, and the map replay moving with the slider. Screenshots go to test-output/ (gitignored).
 */

import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { basename, join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeComparisonReport, writeReport } from "../../src/adapters/report/index.js";
import { FIXTURE_A, FIXTURE_B, generateRun } from "./fixtures/generate-run.js";

/** Debian's chromium; LASTMILE_CHROMIUM points elsewhere (e.g. to check the missing-browser path). */
const CHROMIUM = process.env.LASTMILE_CHROMIUM ?? "/usr/bin/chromium";
const OUT = "test-output";
const ROOT = join(OUT, "report-browser");
const DIR_A = join(ROOT, "run-a");
const DIR_B = join(ROOT, "run-b");
const haveChromium = existsSync(CHROMIUM);
const inCi = process.env.CI === "true";
const CLI = "dist/cli.js";
/** One scenario per simulator mode: grocery, q-commerce, meal (MDRP). */
const REAL_SCENARIOS = [
  "scenarios/default.json",
  "scenarios/qcommerce-flash-sale.json",
  "scenarios/mdrp-0o50t100s1p100.json",
].filter((f) => existsSync(f));
const haveRunCommand =
  existsSync(CLI) &&
  REAL_SCENARIOS.length > 0 &&
  spawnSync(process.execPath, [CLI, "run", "--help"], { encoding: "utf8" }).status === 0;

if (!haveRunCommand) {
  it.skip(`real-simulator report test skipped: ${CLI} with a \`run\` command is missing (npm run build)`, () => {});
}

if (!haveChromium && !inCi) {
  console.warn(`report browser test skipped: ${CHROMIUM} is missing (bash scripts/install-chromium.sh)`);
  it.skip(`browser test skipped: ${CHROMIUM} is missing (install it with: bash scripts/install-chromium.sh)`, () => {});
}

describe.runIf(haveChromium || inCi)("report in headless Chromium", () => {
  let browser: Browser;
  let server: Server;
  let base = "";

  beforeAll(async () => {
    if (!haveChromium)
      throw new Error(`${CHROMIUM} is missing: CI must run scripts/install-chromium.sh before the tests`);
    rmSync(ROOT, { recursive: true, force: true });
    generateRun(DIR_A, FIXTURE_A);
    generateRun(DIR_B, FIXTURE_B);
    await writeReport(DIR_A);
    await writeComparisonReport(DIR_A, DIR_B, join(ROOT, "compare.html"));
    // Serve the files over loopback so that every request the page makes is seen and counted.
    server = createServer((req, res) => {
      const path = join(process.cwd(), decodeURIComponent((req.url ?? "/").split("?")[0]!));
      if (!path.startsWith(join(process.cwd(), OUT)) || !existsSync(path)) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(readFileSync(path));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // playwright-core gives every launch a fresh temporary --user-data-dir of its own.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  });

  /** Opens a report; returns the page and the lists of console errors and foreign requests it produced. */
  async function open(file: string, readySelector = "#chart-open svg") {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      deviceScaleFactor: 1,
    });
    const page = await context.newPage();
    const url = `${base}/${file}`;
    const errors: string[] = [];
    const foreign: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.route("**/*", (route) => {
      const u = route.request().url();
      if (u === url) return route.continue();
      foreign.push(u);
      return route.abort();
    });
    await page.goto(url, { waitUntil: "load" });
    await page.waitForSelector(readySelector, { timeout: 15_000 });
    return { page, errors, foreign, close: () => context.close() };
  }

  async function canvasPixels(page: Page, id: string): Promise<string> {
    return page.$eval(`#${id}`, (c) => (c as unknown as { toDataURL(): string }).toDataURL());
  }

  async function setSlider(page: Page, t: number): Promise<void> {
    await page.$eval(
      "#map-time",
      (el, value) => {
        const input = el as unknown as { value: string; dispatchEvent(e: unknown): boolean };
        input.value = String(value);
        input.dispatchEvent(
          new (globalThis as unknown as { Event: new (n: string) => unknown }).Event("input"),
        );
      },
      t,
    );
  }

  it("shows one run: identity and KPIs equal summary.json, charts drawn, slider replays the map", async () => {
    const summary = JSON.parse(readFileSync(join(DIR_A, "summary.json"), "utf8"));
    const { page, errors, foreign, close } = await open(join(DIR_A, "report.html"));
    try {
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);

      // Identity.
      const id = async (key: string) => (await page.textContent(`.run-id dd[data-id="${key}"]`))?.trim();
      expect(await id("scenario")).toBe(summary.scenario.name);
      expect(await page.getAttribute('.run-id dd[data-id="hash"] code', "title")).toBe(summary.scenario.hash);
      expect(await id("seed")).toBe(String(summary.seed));
      expect(await id("version")).toBe(summary.version);
      expect(await id("events")).toBe(summary.events.toLocaleString("en-US"));
      expect(await id("wall")).toBe(`${summary.wallSeconds.toFixed(2)} s`);

      await expectKpisMatch(page, summary);

      // Charts: every panel holds a Plot SVG with marks (no "no data" placeholder for this fixture).
      for (const chart of ["open", "shoppers", "ontime", "slots", "ctd", "rtp", "batch"]) {
        const marks = await page.$$eval(
          `#chart-${chart} svg [aria-label] path, #chart-${chart} svg rect`,
          (e) => e.length,
        );
        expect(marks, `chart-${chart}`).toBeGreaterThan(0);
        expect(await page.$(`#chart-${chart} .empty`)).toBeNull();
      }

      // Map: moving the slider changes the drawing and the state counts; the end of the day has nothing open.
      const before = await canvasPixels(page, "map-0");
      const countsBefore = await page.textContent("#map-counts-0");
      const min = Number(await page.getAttribute("#map-time", "min"));
      const max = Number(await page.getAttribute("#map-time", "max"));
      expect(max).toBeGreaterThan(min);
      await setSlider(page, Math.round(min + 0.1 * (max - min)));
      const after = await canvasPixels(page, "map-0");
      expect(after).not.toBe(before);
      expect(await page.textContent("#map-counts-0")).not.toBe(countsBefore);
      expect(await page.getAttribute("#map-0", "data-t")).toBe(String(Math.round(min + 0.1 * (max - min))));
      await setSlider(page, max);
      expect(await page.textContent("#map-counts-0")).toMatch(
        /^waiting 0 · assigned 0 · on the way 0 · delivered \d+/,
      );
      expect(await canvasPixels(page, "map-0")).not.toBe(after);

      // Back to the busiest moment for the picture a person looks at.
      await page.reload({ waitUntil: "load" });
      await page.waitForSelector("#chart-open svg");
      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, "report.png"), fullPage: true });
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await close();
    }
  });

  it("compares two runs: KPI deltas, overlaid series, two maps on one slider", async () => {
    const { page, errors, foreign, close } = await open(join(ROOT, "compare.html"));
    try {
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
      const rows = await page.$$eval(".kpi-compare tbody tr", (trs) =>
        trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.getAttribute("data-raw"))),
      );
      const a = JSON.parse(readFileSync(join(DIR_A, "summary.json"), "utf8"));
      const b = JSON.parse(readFileSync(join(DIR_B, "summary.json"), "utf8"));
      expect(rows).toHaveLength(7);
      expect(Number(rows[0]![1])).toBe(a.kpis.onTimeRate);
      expect(Number(rows[0]![2])).toBe(b.kpis.onTimeRate);
      // Two runs overlaid: the open-orders chart has one line per run and a colour legend.
      const lines = await page.$$eval("#chart-open svg g[aria-label='line'] path", (e) => e.length);
      expect(lines).toBe(2);
      const before = [await canvasPixels(page, "map-0"), await canvasPixels(page, "map-1")];
      const min = Number(await page.getAttribute("#map-time", "min"));
      await setSlider(page, min + 3600);
      expect(await canvasPixels(page, "map-0")).not.toBe(before[0]);
      expect(await canvasPixels(page, "map-1")).not.toBe(before[1]);
      mkdirSync(OUT, { recursive: true });
      await page.reload({ waitUntil: "load" });
      await page.waitForSelector("#chart-open svg");
      await page.screenshot({ path: join(OUT, "report-compare.png"), fullPage: true });
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
    } finally {
      await close();
    }
  });

  it("a run without events.jsonl and with missing KPIs still renders, with placeholders and no errors", async () => {
    const dir = join(ROOT, "sparse");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "summary.json"),
      JSON.stringify({ scenario: { name: "sparse", hash: "abc" }, seed: 1, kpis: { onTimeRate: 0.8 } }),
    );
    await writeReport(dir);
    const { page, errors, foreign, close } = await open(join(dir, "report.html"), "#chart-open .empty");
    try {
      expect(errors).toEqual([]);
      expect(foreign).toEqual([]);
      expect(await page.textContent('.card[data-kpi="onTimeRate"] .value')).toBe("80.0 %");
      expect(await page.textContent('.card[data-kpi="oversells"] .value')).toBe("–");
      expect(await page.$$eval(".empty", (e) => e.length)).toBe(7);
      expect(await page.isDisabled("#map-time")).toBe(true);
    } finally {
      await close();
    }
  });

  // The simulator's own output, one scenario per mode, when the built CLI has the `run` command.
  it.runIf(haveRunCommand).each(REAL_SCENARIOS)(
    "renders the simulator's real output of %s",
    async (scenario) => {
      const name = basename(scenario, ".json");
      const dir = join(ROOT, `real-${name}`);
      const r = spawnSync(process.execPath, [CLI, "run", scenario, "--out", dir], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      await writeReport(dir, { wallSeconds: 1.25 });
      const summary = JSON.parse(readFileSync(join(dir, "summary.json"), "utf8"));
      const { page, errors, foreign, close } = await open(join(dir, "report.html"));
      try {
        expect(errors).toEqual([]);
        expect(foreign).toEqual([]);
        expect(await page.textContent('.run-id dd[data-id="wall"]')).toBe("1.25 s");
        await expectKpisMatch(page, summary);
        const before = await canvasPixels(page, "map-0");
        const min = Number(await page.getAttribute("#map-time", "min"));
        const max = Number(await page.getAttribute("#map-time", "max"));
        await setSlider(page, Math.round((min + max) / 2) + 600);
        expect(await canvasPixels(page, "map-0")).not.toBe(before);
        await page.reload({ waitUntil: "load" });
        await page.waitForSelector("#chart-open svg");
        await page.screenshot({ path: join(OUT, `report-real-${name}.png`), fullPage: true });
        expect(errors).toEqual([]);
      } finally {
        await close();
      }
    },
  );
});

/** Numeric leaves of an object as dotted keys, depth-bounded like the report's own reader. */
function flatten(
  value: unknown,
  prefix = "",
  out: Record<string, number> = {},
  depth = 0,
): Record<string, number> {
  if (depth > 4 || value === null || typeof value !== "object" || Array.isArray(value)) return out;
  for (const [k, v] of Object.entries(value)) {
    const key = prefix === "" ? k : `${prefix}.${k}`;
    if (typeof v === "number") out[key] = v;
    else flatten(v, key, out, depth + 1);
  }
  return out;
}

/** The value of a KPI in the unit the page shows, from its key's unit suffix (test-side, independent). */
function displayOf(id: string, key: string, raw: number): number {
  const lower = key.toLowerCase();
  if (id === "onTimeRate" || id === "utilization" || id === "substitutionRate")
    return raw > 1 ? raw : raw * 100;
  if (id.startsWith("clickToDoor")) return lower.endsWith("ms") ? raw / 60_000 : raw;
  if (id === "costPerOrder" && lower.endsWith("cents")) return raw / 100;
  return raw;
}

/**
 * The KPI cards show summary.json's numbers (each card names its source key and carries the raw value,
 * and the text is that value in display units), and the table lists every KPI of the file verbatim.
 */
async function expectKpisMatch(page: Page, summary: { kpis: unknown }): Promise<void> {
  const flat = flatten(summary.kpis);
  const cards = await page.$$eval(".card[data-kpi]", (els) =>
    els.map((e) => ({
      id: e.getAttribute("data-kpi") ?? "",
      key: e.getAttribute("data-source-key") ?? "",
      raw: e.getAttribute("data-raw") ?? "",
      shown: e.querySelector(".value")?.textContent ?? "",
    })),
  );
  expect(cards.map((c) => c.id)).toEqual([
    "onTimeRate",
    "clickToDoorP50",
    "clickToDoorP90",
    "utilization",
    "oversells",
    "substitutionRate",
    "costPerOrder",
  ]);
  let found = 0;
  for (const c of cards) {
    if (c.key === "") {
      expect(c.shown, `${c.id} has no source: shown as a dash`).toBe("–");
      continue;
    }
    found++;
    const raw = flat[c.key];
    expect(typeof raw, `${c.id} read from ${c.key}`).toBe("number");
    expect(Number(c.raw)).toBe(raw);
    const decimals = c.id === "oversells" ? 0 : c.id === "costPerOrder" ? 2 : 1;
    const shown = Number.parseFloat(c.shown);
    expect(
      Math.abs(shown - displayOf(c.id, c.key, raw!)),
      `${c.id}: '${c.shown}' vs ${raw}`,
    ).toBeLessThanOrEqual(0.5 * 10 ** -decimals + 1e-9);
  }
  expect(found).toBeGreaterThanOrEqual(4);
  const table = await page.$$eval(".all-kpis tbody tr", (rows) =>
    rows.map((r) => [r.getAttribute("data-key") ?? "", r.querySelector("td")?.textContent ?? ""]),
  );
  expect(Object.fromEntries(table)).toEqual(
    Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, String(v)])),
  );
}
