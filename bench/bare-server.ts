/**
 * The cheapest HTTP server Node runs, for bench http's floor row: node:http without Fastify, routing,
 * validation, authentication or a ledger. It reads each request's body and answers 200 with a fixed JSON
 * body the size of a reservation's answer, so the paced client's reserve→commit workload runs against it
 * unchanged (the client only needs a 2xx) and its CPU per request is what HTTP alone costs on this machine.
 *
 * Run as a process: `node bare-server.js [port]` (default 0, any free port); prints
 * "listening on http://127.0.0.1:PORT" on stderr, as `lastmile serve` does.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";

/** 157 bytes, shaped like a hard reservation's answer. */
const BODY = Buffer.from(
  JSON.stringify({
    key: "floor-0000000000",
    status: "hard",
    storeId: "DS1",
    lines: [
      { sku: "sku-1", qty: 1 },
      { sku: "sku-38", qty: 1 },
    ],
    expiresAtMs: 1765000600000,
    version: 1,
  }),
);
const HEADERS = { "content-type": "application/json", "content-length": String(BODY.length) };

/** Starts the server on 127.0.0.1:`port`; resolves with its URL once listening. */
export async function startBareServer(port = 0): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    // Read the body as a real endpoint must before answering (the bytes are not parsed).
    req.on("data", () => {});
    req.on("end", () => {
      res.writeHead(200, HEADERS);
      res.end(BODY);
    });
  });
  await new Promise<void>((done, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => done());
  });
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  startBareServer(Number(process.argv[2] ?? 0)).then(
    ({ url }) => process.stderr.write(`listening on ${url}\n`),
    (error) => {
      process.stderr.write(`bare server: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
