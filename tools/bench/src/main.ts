/**
 * `pnpm bench [spec|oci|build|run|iso|dev] [--rounds N] [--power-down]`: runs every benchmark (or the
 * one named) and prints medians with ratios against baselines measured in the same run. `--rounds`
 * sets the rounds of `build`, `run`, `iso` and `dev` (default 3 each); `--power-down` makes `run` also wait
 * for each guest to power off (twice as long).
 */
import { parseArgs } from "node:util";
import { runBuildBench } from "./build-bench.js";
import { runDevBench } from "./dev-bench.js";
import { runIsoBench } from "./iso-bench.js";
import { runOciBench } from "./oci-bench.js";
import { runRunBench } from "./run-bench.js";
import { formatSpecBench, runSpecBench } from "./spec-bench.js";

const { positionals, values } = parseArgs({
  args: process.argv.slice(2),
  allowPositionals: true,
  options: { rounds: { type: "string" }, "power-down": { type: "boolean" } },
});
const only = positionals[0];
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds > 0))
  throw new Error(`--rounds ${values.rounds}: not a whole number above 0; give e.g. --rounds 5`);

if (!only || only === "spec") console.log(formatSpecBench(await runSpecBench(1000)));
if (!only || only === "oci") console.log(await runOciBench());
if (!only || only === "build") console.log(await runBuildBench(rounds));
if (!only || only === "run")
  console.log(await runRunBench({ ...(rounds ? { rounds } : {}), powerDown: values["power-down"] ?? false }));
if (!only || only === "iso") console.log(await runIsoBench(rounds ? { rounds } : {}));
if (!only || only === "dev") console.log(await runDevBench(rounds ? { rounds } : {}));
