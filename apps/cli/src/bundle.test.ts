// The executable users run is the esbuild bundle (scripts/bundle.mjs): bundle the sources the same
// way and run it, so that a dependency esbuild cannot bundle, or a file the CLI reads beside its
// code, fails here rather than on a user's machine.
import { execFile } from "node:child_process";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs build script without type declarations
import { bundleCli } from "../scripts/bundle.mjs";

const cliDir = fileURLToPath(new URL("..", import.meta.url));
const repo = join(cliDir, "../..");
const outDir = join(cliDir, ".test-bundle");
const run = promisify(execFile);

afterAll(async () => {
  await rm(outDir, { recursive: true, force: true });
});

it("the bundled CLI runs: version, schema, build --dry-run", { timeout: 60_000 }, async () => {
  const outfile = join(outDir, "ocikit.mjs");
  await bundleCli({ entry: join(cliDir, "src/bin.ts"), outfile, source: true });
  const ocikit = (...args: string[]) =>
    run(process.execPath, [outfile, ...args], { cwd: repo, env: { ...process.env, NODE_OPTIONS: "" } });
  expect((await ocikit("version")).stdout).toMatch(/^ocikit \d+\.\d+\.\d+\n$/);
  expect(JSON.parse((await ocikit("schema")).stdout)).toMatchObject({ type: "object" });
  const dry = await ocikit("build", "--dry-run", "examples/minimal.yml");
  expect(dry.stdout).toContain("image: docker.io/ocikit-test/kernel:6.1");
});
