/**
 * Benchmark of writing an ISO 9660 image (issue 6) of a realistic root filesystem, the build
 * benchmark's system (build-workload.ts), against `xorriso -as mkisofs -R -J` of the same tree in
 * the same rounds. Goal (docs/performance.md): at least xorriso's throughput, counting our time from
 * the entry stream.
 *
 * The tree: `ocikit build -f tar` of the workload (the whole root filesystem as one tar of entries),
 * made once with the built CLI (not timed). ocikit: iso-write-worker.mjs reads that tar twice as an
 * entry stream (@ocikit/oci's readTar), the first time for the headers planIso needs before anything
 * is written, the second for writeIso's bodies, as a build streams its root filesystem twice; both
 * passes, planIso and Node's start-up are timed. xorriso: the same tar extracted into a directory
 * (not timed), then `xorriso -as mkisofs -R -J -quiet -o OUT DIR` timed; it too walks the tree twice
 * (stat()s to lay out, then the files' data). Tar, tree and both ISOs are on tmpfs (/dev/shm), so
 * neither side waits for a disk. Each run is a child process under max-rss.py (wall time, peak RSS);
 * the two alternate within a round; the first round is a warm-up and is not kept.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { formatMegabytes } from "./build-table.js";
import { buildBenchWorkload } from "./build-workload.js";
import {
  formatIsoGap,
  formatIsoPhases,
  formatIsoTable,
  formatListingComparison,
  type IsoTableRow,
  type IsoWorkerPhases,
} from "./iso-table.js";
import { CLI } from "./ocikit-cli.js";
import { medianDifference, medianOf } from "./paired-rounds.js";
import { medianRun, nodeWorker, type ProcessSample, sampleProcess } from "./process-sample.js";
import { indentLines } from "./text-table.js";
import { generateBuildYaml } from "./workload-config.js";

const run = promisify(execFile);
const XORRISO = "xorriso";
/** docs/performance.md: "Writing an ISO: at least `xorriso -as mkisofs`'s throughput on the same tree". */
const MAX_RATIO = 1;

/** Options of {@link runIsoBench}. */
export interface IsoBenchOptions {
  /** Rounds kept, after a warm-up one; default ISO_BENCH_DEFAULTS.rounds. */
  readonly rounds?: number;
}

/** Defaults of {@link IsoBenchOptions}. */
export const ISO_BENCH_DEFAULTS = { rounds: 3 } as const;

type CaseId = "ocikit" | "xorriso";

/** Where a run works: the tar, the tree and the ISOs on tmpfs. */
interface IsoPaths {
  readonly tar: string;
  readonly tree: string;
  readonly iso: Readonly<Record<CaseId, string>>;
}

/** `ocikit build -f tar` of the workload into `shm` with the built CLI, its cache in `scratch`. */
async function buildRootfsTar(scratch: string, shm: string): Promise<string> {
  const workload = await buildBenchWorkload();
  const yml = join(scratch, "bench.yml");
  await writeFile(yml, generateBuildYaml(workload.refs, { motd: "Welcome to the ocikit ISO benchmark\n" }));
  const argv = ["--cache", join(scratch, "cache"), "build", "-f", "tar", "--dir", shm, "--name", "rootfs"];
  await run(process.execPath, [CLI, ...argv, yml], { maxBuffer: 64 << 20 });
  return join(shm, "rootfs.tar");
}

/** The tar's tree on tmpfs, as GNU tar extracts it (owners and modes kept when run as root). */
async function extractTree(tar: string, tree: string): Promise<void> {
  await mkdir(tree);
  // ocikit's tar carries LinuxKit's PAX records (LINUXKIT.source, …), which GNU tar warns about.
  await run("tar", ["--warning=no-unknown-keyword", "-xpf", tar, "-C", tree]);
}

/** One run of `id`, its output removed first (not timed). */
async function runCase(id: CaseId, paths: IsoPaths): Promise<ProcessSample> {
  const out = paths.iso[id];
  await rm(out, { force: true });
  return id === "ocikit"
    ? sampleProcess(nodeWorker("iso-write-worker.mjs", paths.tar, out))
    : sampleProcess([XORRISO, "-as", "mkisofs", "-R", "-J", "-quiet", "-o", out, paths.tree]);
}

/** Runs both cases once per round, alternating which goes first; round 0 is the warm-up and is not kept. */
async function runRounds(paths: IsoPaths, rounds: number): Promise<Record<CaseId, ProcessSample[]>> {
  const samples: Record<CaseId, ProcessSample[]> = { ocikit: [], xorriso: [] };
  for (let round = 0; round <= rounds; round++) {
    const order: CaseId[] = round % 2 === 0 ? ["ocikit", "xorriso"] : ["xorriso", "ocikit"];
    for (const id of order) {
      const sample = await runCase(id, paths);
      if (round > 0) samples[id].push(sample);
    }
  }
  return samples;
}

/** The table's rows: ocikit against xorriso, and the ISO each wrote in the last round. */
async function tableRows(samples: Record<CaseId, ProcessSample[]>, paths: IsoPaths): Promise<IsoTableRow[]> {
  const ms = (id: CaseId) => samples[id].map((s) => s.ms);
  const rss = (id: CaseId) => samples[id].map((s) => s.maxRssKiB);
  const isoSize = async (id: CaseId) => `ISO ${formatMegabytes((await stat(paths.iso[id])).size)}`;
  return [
    {
      label: "ocikit readTar ×2 + planIso + writeIso",
      ms: ms("ocikit"),
      maxRssKiB: rss("ocikit"),
      baseline: { label: "xorriso", ms: ms("xorriso") },
      maxRatio: MAX_RATIO,
      output: await isoSize("ocikit"),
    },
    {
      label: "xorriso -as mkisofs -R -J",
      ms: ms("xorriso"),
      maxRssKiB: rss("xorriso"),
      output: await isoSize("xorriso"),
    },
  ];
}

/** The paths in an ISO as xorriso reads them (Rock Ridge names), one per line. */
async function isoPaths(iso: string): Promise<string[]> {
  const { stdout } = await run(XORRISO, ["-indev", `stdio:${iso}`, "-find", "/"], { maxBuffer: 64 << 20 });
  return stdout.split("\n").filter(Boolean);
}

/** `tar 325.9 MB, 2,550 entries; extracted, 2,526 paths`. */
async function describeInputs(paths: IsoPaths, phases: IsoWorkerPhases): Promise<string> {
  const { stdout } = await run("find", [paths.tree], { maxBuffer: 64 << 20 });
  const treePaths = stdout.split("\n").filter(Boolean).length;
  const tarBytes = (await stat(paths.tar)).size;
  return `tar ${formatMegabytes(tarBytes)}, ${phases.entries.toLocaleString("en-US")} entries; extracted, ${treePaths.toLocaleString("en-US")} paths`;
}

/**
 * Runs the benchmark for `rounds` rounds after a warm-up one; returns the report.
 * @throws {Error} when xorriso is missing, the tar cannot be built or a run fails
 * @example
 * ```ts
 * console.log(await runIsoBench({ rounds: 3 }));
 * ```
 */
export async function runIsoBench(options: IsoBenchOptions = {}): Promise<string> {
  const settings = { ...ISO_BENCH_DEFAULTS, ...options };
  await run(XORRISO, ["-version"]).catch((error: unknown) => {
    throw new Error(`${XORRISO}: cannot run it; install it (apt-get install xorriso)`, { cause: error });
  });
  const scratch = await mkdtemp(join(tmpdir(), "ocikit-bench-iso-"));
  const shm = await mkdtemp(join("/dev/shm", "ocikit-bench-iso-"));
  try {
    const tar = await buildRootfsTar(scratch, shm);
    const paths: IsoPaths = {
      tar,
      tree: join(shm, "tree"),
      iso: { ocikit: join(shm, "ocikit.iso"), xorriso: join(shm, "xorriso.iso") },
    };
    await extractTree(tar, paths.tree);
    const samples = await runRounds(paths, settings.rounds);

    const ms = (id: CaseId) => samples[id].map((s) => s.ms);
    const median = medianRun(samples.ocikit);
    const phases = JSON.parse(median?.stdout ?? "{}") as IsoWorkerPhases;
    const listing = formatListingComparison(
      await isoPaths(paths.iso.ocikit),
      await isoPaths(paths.iso.xorriso),
    );
    return [
      `iso: the build workload's root filesystem (${await describeInputs(paths, phases)}), all on tmpfs; medians of ${settings.rounds} round${settings.rounds === 1 ? "" : "s"} after a warm-up, ratios paired per round`,
      "  ocikit  = node iso-write-worker.mjs TAR OUT: readTar (headers) → planIso → readTar again → writeIso → writeFile (Node's start-up included)",
      `  xorriso = ${XORRISO} -as mkisofs -R -J -quiet -o OUT TREE (the same tar extracted beforehand, not timed)`,
      indentLines(formatIsoTable(await tableRows(samples, paths))),
      indentLines(formatIsoPhases(median?.ms ?? Number.NaN, phases)),
      indentLines(
        formatIsoGap(medianDifference(ms("ocikit"), ms("xorriso")), medianOf(ms("xorriso")), phases),
      ),
      indentLines(`paths as xorriso reads them back: ${listing}`),
      ...(listing.includes("/.rr_moved")
        ? [
            "    (/.rr_moved: planIso moves directories deeper than 8 levels there, RRIP §4.1.5; xorrisofs leaves them in place, its default -D)",
          ]
        : []),
    ].join("\n");
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await rm(shm, { recursive: true, force: true });
  }
}
