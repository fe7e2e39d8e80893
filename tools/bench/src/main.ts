/**
 * `pnpm bench [spec|oci|build]`: runs every benchmark (or the one named) and prints medians with
 * ratios against baselines measured in the same run. Later issues add cases (ISO vs xorriso, boot
 * times).
 */
import { runBuildBench } from "./build-bench.js";
import { runOciBench } from "./oci-bench.js";
import { formatSpecBench, runSpecBench } from "./spec-bench.js";

const only = process.argv[2];
if (!only || only === "spec") console.log(formatSpecBench(await runSpecBench(1000)));
if (!only || only === "oci") console.log(await runOciBench());
if (!only || only === "build") console.log(await runBuildBench());
