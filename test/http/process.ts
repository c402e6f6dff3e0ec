/**
 * `lastmile serve` as a child process (for kill -9 and multi-process tests). The child runs the built
 * CLI, so the suite builds it first (tsc, a few seconds); `npm test` builds anyway.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { SCOPE_NAMES } from "../../src/adapters/http/auth.js";
import { parseStoreSpec } from "../../src/adapters/store/open.js";
import { openServiceStores } from "../../src/adapters/store/service-stores.js";
import { mintKey, setUrlToken, TENANT } from "./helpers.js";

const ROOT = resolve(import.meta.dirname, "../..");
const SERVE = resolve(ROOT, "dist/src/adapters/cli/serve.js");

/**
 * The child runs only the `serve` subcommand (commander with registerServe), not the whole CLI: a module
 * elsewhere in the project that does not load must not take the server down with it.
 */
const CHILD_SOURCE = `
const { Command } = await import("commander");
const { registerServe } = await import(${JSON.stringify(pathToFileURL(SERVE).href)});
const program = new Command().exitOverride();
registerServe(program);
try { await program.parseAsync(process.argv.slice(1), { from: "user" }); }
catch (error) { process.stderr.write("error: " + (error?.message ?? error) + "\\n"); process.exit(1); }
`;

let built = false;
/**
 * Compiles src into dist unless dist is already newer than every source file (as after `npm run build`).
 * A lock directory keeps two test workers from running tsc over the same files at once.
 */
export function buildCli(): void {
  if (built) return;
  const lock = resolve(ROOT, "dist/.test-build.lock");
  mkdirSync(resolve(ROOT, "dist"), { recursive: true });
  for (let waitedMs = 0; ; waitedMs += 100) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waitedMs > 120_000) throw new Error(`${lock} held for 2 minutes; remove it if no build is running`);
      execFileSync("sleep", ["0.1"]);
    }
  }
  try {
    if (!existsSync(SERVE) || newestSourceMs(resolve(ROOT, "src")) > statSync(SERVE).mtimeMs) {
      try {
        execFileSync(resolve(ROOT, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], {
          cwd: ROOT,
          stdio: "pipe",
        });
      } catch {
        // tsc exits non-zero on any type error in the project, and still emits; the check below decides.
      }
    }
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
  if (!existsSync(SERVE)) throw new Error(`${SERVE} is missing after the build`);
  built = true;
}

function newestSourceMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith(".ts"))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

export interface ServerProcess {
  readonly url: string;
  /**
   * The API key made for this server (tenant t1, every scope), which `request` sends to its URL by default;
   * undefined for an in-memory store, which a child process cannot share: that server runs `--insecure`.
   */
  readonly token: string | undefined;
  readonly child: ChildProcess;
  /** stderr so far (the CLI's own lines; the JSON log goes to stdout and is discarded). */
  stderr(): string;
  /** SIGKILL, then wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM, then wait for the exit; resolves to the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `lastmile serve --port 0 --store <store>` and waits for its "listening on" line (bounded). A durable
 * store gets a fresh API key first (unless `token` is given or `extra` holds --insecure).
 */
export async function startServer(
  store: string,
  extra: readonly string[] = [],
  /** `keyless`: neither a key nor --insecure (the server must then refuse or answer 401). */
  given?: { token?: string; keyless?: boolean },
): Promise<ServerProcess> {
  buildCli();
  const keyless = given?.keyless === true;
  const insecure = !keyless && (store === "memory" || extra.includes("--insecure"));
  let token = given?.token;
  if (token === undefined && !insecure && !keyless) {
    const stores = await openServiceStores(parseStoreSpec(store));
    try {
      token = await mintKey(stores.keys, TENANT, SCOPE_NAMES);
    } finally {
      await stores.close();
    }
  }
  const child = spawn(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      CHILD_SOURCE,
      "serve",
      "--port",
      "0",
      "--store",
      store,
      "--log-level",
      "silent",
      ...(insecure && !extra.includes("--insecure") ? ["--insecure"] : []),
      ...extra,
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let err = "";
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`server did not start in 30 s: ${err}`)), 30_000);
    child.stderr!.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m !== null) {
        clearTimeout(timer);
        ok(m[1]!);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`server exited with ${code} before listening: ${err}`));
    });
  });
  if (token !== undefined) setUrlToken(url, token);
  return {
    url,
    token,
    child,
    stderr: () => err,
    async kill9() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      child.kill("SIGTERM");
      return exited;
    },
  };
}
