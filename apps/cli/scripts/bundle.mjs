// Bundles the CLI (its code, the workspace packages, commander, zod, yaml) into one ES module,
// dist/ocikit.mjs, which bin/ocikit.js runs: Node then loads one file instead of ~290, which takes
// ~150 ms off every command's start-up. Names are kept and nothing is minified, so a bug report's
// stack trace stays readable. `pnpm build` runs it after tsc; src/bundle.test.ts bundles the
// sources the same way and runs the result.
import { cp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

/**
 * Bundles `entry` into `outfile`. With `source`, workspace packages are taken from their TypeScript
 * sources (the "source" export condition) instead of their built dist.
 */
export async function bundleCli({ entry, outfile, source = false }) {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    keepNames: true,
    legalComments: "none",
    logLevel: "warning",
    ...(source ? { conditions: ["source"] } : {}),
    // commander is CommonJS: give its require() calls a real require inside the ES module.
    banner: {
      js: 'import { createRequire as __ocikitRequire } from "node:module";\nconst require = __ocikitRequire(import.meta.url);',
    },
  });
}

/**
 * Copies the dev server's built page (`@ocikit/dev-server`'s `page-dist/`) to `dist/page/`, where the
 * bundled dev server looks for it (devPageDir), so the bundle works wherever it is installed.
 */
export async function copyDevPage(distDir) {
  const devServer = createRequire(import.meta.url).resolve("@ocikit/dev-server");
  const page = join(dirname(devServer), "..", "page-dist");
  const target = join(distDir, "page");
  await rm(target, { recursive: true, force: true });
  await cp(page, target, { recursive: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleCli({
    entry: fileURLToPath(new URL("../dist/bin.js", import.meta.url)),
    outfile: fileURLToPath(new URL("../dist/ocikit.mjs", import.meta.url)),
  });
  await copyDevPage(fileURLToPath(new URL("../dist/", import.meta.url)));
}
