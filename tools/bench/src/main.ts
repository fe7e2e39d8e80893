/**
 * `pnpm bench`: runs every benchmark and prints medians with ratios against baselines measured in
 * the same run. Later issues add cases (initrd build vs GNU cpio+gzip, ISO vs xorriso, boot times).
 */
import { runOciBench } from "./oci-bench.js";
import { formatSpecBench, runSpecBench } from "./spec-bench.js";

const only = process.argv[2];
if (!only || only === "spec") console.log(formatSpecBench(await runSpecBench(1000)));
if (!only || only === "oci") console.log(await runOciBench());
