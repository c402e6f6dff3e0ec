/**
 * A child process of bench sweep's ceiling rows: runs every `parts`-th cell of a sweep file (from `part`)
 * inline through runCell and exits — no threads, no store, no files. Two of them side by side show what
 * this machine gives the simulation itself on two cores, whatever the sweep machinery does.
 *
 * Usage: node sweep-part.js SWEEP_FILE PART PARTS
 */
import { loadSweep } from "../src/adapters/sweep/index.js";
import { runCell } from "../src/sim/sweep/cell.js";

const [file, partText, partsText] = process.argv.slice(2);
const part = Number(partText);
const parts = Number(partsText);
if (file === undefined || !Number.isInteger(part) || !Number.isInteger(parts) || part < 0 || part >= parts) {
  process.stderr.write("usage: sweep-part.js SWEEP_FILE PART PARTS\n");
  process.exit(2);
}
const sweep = loadSweep(file);
sweep.plan.cells.forEach((c, i) => {
  if (i % parts === part) runCell({ scenario: c.scenario, seed: c.seed });
});
