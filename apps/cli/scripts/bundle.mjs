// Bundles the compiled CLI (dist/bin.js and the workspace packages' dist, commander, zod, yaml) into
// one ES module, dist/ocikit.mjs, which bin/ocikit.js runs: Node then loads one file instead of
// ~290, which takes ~170 ms off every command's start-up. Names are kept and nothing is minified,
// so a bug report's stack trace stays readable.
import { build } from "esbuild";

await build({
  entryPoints: [new URL("../dist/bin.js", import.meta.url).pathname],
  outfile: new URL("../dist/ocikit.mjs", import.meta.url).pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  keepNames: true,
  legalComments: "none",
  logLevel: "warning",
  // commander is CommonJS: give its require() calls a real require in the ES module.
  banner: {
    js: 'import { createRequire as __ocikitRequire } from "node:module";\nconst require = __ocikitRequire(import.meta.url);',
  },
});
