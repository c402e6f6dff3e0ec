/** The README's library example is examples/quickstart.mjs verbatim, and it runs as printed. */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

describe("README", () => {
  const readme = readFileSync("README.md", "utf8");

  it("starts with the two fresh-machine commands, and .ci/run calls the test one", () => {
    const firstBlock = readme.split("```sh\n")[1]?.split("```")[0] ?? "";
    const [setupRun, setupTest] = firstBlock
      .trim()
      .split("\n")
      .map((l) => l.split("#")[0]!.trim());
    expect(setupRun).toBe("npm ci && npm start");
    expect(setupTest).toBe("npm ci && npm test");
    expect(readFileSync(".ci/run", "utf8")).toContain(`\n${setupTest}\n`);
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toContain("run scenarios/default.json");
  });

  it("embeds examples/quickstart.mjs verbatim, and the example prints what the README says", () => {
    const example = readFileSync("examples/quickstart.mjs", "utf8");
    expect(readme).toContain(`\`\`\`js\n${example}\`\`\``);
    if (!existsSync("dist/src/index.js"))
      throw new Error("dist is missing: run 'npm run build' first (npm test does)");
    const out = execFileSync(process.execPath, ["examples/quickstart.mjs"], { encoding: "utf8" });
    const printed = readme.split("prints\n\n```\n")[1]?.split("```")[0];
    expect(out).toBe(printed);
  });
});
