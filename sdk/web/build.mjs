// Bundles the SDK (IIFE exposing the global `Herald`) and its service worker, minified, and holds the SDK to its
// size budget: API.md promises a script small enough to put on every page.
import { build } from "esbuild";
import { readFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 15 * 1024; // bytes, gzipped
const out = process.env.HERALD_SDK_OUT || "dist";
mkdirSync(out, { recursive: true });

const common = { bundle: true, minify: true, target: "es2019", legalComments: "none", logLevel: "warning" };
await build({ ...common, entryPoints: ["src/index.ts"], outfile: `${out}/herald.js`, format: "iife", globalName: "Herald" });
await build({ ...common, entryPoints: ["src/sw.ts"], outfile: `${out}/herald-sw.js`, format: "iife" });
// The npm package's module entry (`import { init } from "@herald/web"`); the server serves only the two above.
if (!process.env.HERALD_SDK_OUT) {
  await build({ ...common, entryPoints: ["src/index.ts"], outfile: `${out}/herald.mjs`, format: "esm" });
}

const size = gzipSync(readFileSync(`${out}/herald.js`), { level: 9 }).length;
console.log(`herald.js: ${size} bytes gzipped (budget ${BUDGET})`);
if (size > BUDGET) {
  console.error(`herald.js is over its ${BUDGET}-byte gzipped budget`);
  process.exit(1);
}
