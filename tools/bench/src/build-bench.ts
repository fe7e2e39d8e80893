/**
 * Benchmark of `ocikit build` (issue 4) on the LinuxKit-style system of build-workload.ts, against
 * baselines run in the same invocation:
 * - ocikit `kernel+initrd`, first build (warm image cache, empty section cache), rebuild with
 *   nothing changed, rebuild after editing one `files` entry; ocikit `tar`;
 * - GNU tools (gnu-pipeline.ts): untar the layers into a tmpfs tree, then `find | cpio | gzip -6`
 *   (and `pigz -6` when installed), or `tar -cf`;
 * - LinuxKit when a `linuxkit` binary is on the PATH (not run yet: see `linuxkitNote`).
 * Every case is a child process under max-rss.py; ocikit runs as a user runs it, through the built
 * CLI (`node apps/cli/bin/ocikit.js`), Node's start-up included. The cases run in rounds, each case
 * once per round, the first round a warm-up; ratios are medians of the per-round ratios (the machine
 * is shared and noisy).
 */
import { execFile } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { createGunzip } from "node:zlib";
import { type BuildTableRow, formatBuildTable, formatMegabytes } from "./build-table.js";
import { type BuildWorkload, buildBenchWorkload, layerBlobPaths } from "./build-workload.js";
import { type GnuArchive, type GnuBundle, type GnuTreeSpec, gnuPipelineScript } from "./gnu-pipeline.js";
import { countNewc } from "./newc-count.js";
import { CLI } from "./ocikit-cli.js";
import { medianSample, type ProcessSample, sampleProcess } from "./process-sample.js";
import { indentLines } from "./text-table.js";
import {
  bundlePath,
  generateBuildYaml,
  WORKLOAD_CMDLINE,
  WORKLOAD_CONTAINERS,
  workloadFiles,
} from "./workload-config.js";

const run = promisify(execFile);
const MOTD = "Welcome to the ocikit build benchmark\n";

type CaseId = "first" | "rebuild" | "edited" | "tar" | "gnu-gzip" | "gnu-pigz" | "gnu-tar";

interface BenchCase {
  readonly id: CaseId;
  /** Runs the case once; `round` makes each edit new. */
  run(round: number): Promise<ProcessSample>;
}

/** The GNU tree of the workload: the same images where ocikit puts them, each image unpacked once. */
function gnuTreeSpec(workload: BuildWorkload, motd: string): GnuTreeSpec {
  const unpacked = new Set<string>();
  const bundles: GnuBundle[] = [];
  let onbootIndex = 0;
  for (const container of WORKLOAD_CONTAINERS) {
    const index = container.section === "onboot" ? onbootIndex++ : 0;
    const first = !unpacked.has(container.image);
    unpacked.add(container.image);
    bundles.push({
      path: bundlePath(container, index),
      layers: first ? layerBlobPaths(workload, container.image) : [],
    });
  }
  return {
    kernelLayers: layerBlobPaths(workload, "kernel"),
    initLayers: layerBlobPaths(workload, "init"),
    bundles,
    files: workloadFiles(motd),
    cmdline: WORKLOAD_CMDLINE,
  };
}

/** The path of `program` when it is on the PATH. */
async function which(program: string): Promise<string | undefined> {
  const found = await run("sh", ["-c", `command -v ${program}`]).catch(() => undefined); // not found: exits 1
  return found?.stdout.trim() || undefined;
}

/** `initrd 101.1 MB gz, 313.9 MB raw, 2,548 entries`, counted from the file (newc-count.ts). */
async function describeInitrd(path: string): Promise<string> {
  const count = await countNewc(createReadStream(path).pipe(createGunzip()));
  const { size } = await stat(path);
  return `initrd ${formatMegabytes(size)} gz, ${formatMegabytes(count.totalBytes)} raw, ${count.entries.toLocaleString("en-US")} entries`;
}

/** `tar 325.9 MB, 2,550 entries`, as GNU tar lists it. */
async function describeTar(path: string): Promise<string> {
  const { stdout } = await run("tar", ["-tf", path], { maxBuffer: 64 << 20 });
  const { size } = await stat(path);
  return `tar ${formatMegabytes(size)}, ${stdout.split("\n").filter(Boolean).length.toLocaleString("en-US")} entries`;
}

/** The parts of `ocikit --json` build events read here. */
type JsonEvent =
  | {
      readonly type: "section";
      readonly name: string;
      readonly cached: boolean;
      readonly entries: number;
      readonly sizeBytes: number;
      readonly ms: number;
    }
  | { readonly type: "done"; readonly elapsedMs: number }
  | { readonly type: "other" };

const count = (n: number, one: string, many: string) =>
  `${n.toLocaleString("en-US")} ${n === 1 ? one : many}`;
const msText = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;

/**
 * Where a `--json` build's time went, from its events: build()'s own time against the wall time
 * (the rest is Node's start-up and loading the CLI), then each section built, in the order they
 * finished (two are built at a time, so their times overlap).
 */
function describeRun(title: string, sample: ProcessSample): string {
  const events = sample.stderr
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line) as JsonEvent);
  const sections = events.filter((e) => e.type === "section");
  const built = sections.filter((e) => !e.cached);
  const elapsedMs = events.find((e) => e.type === "done")?.elapsedMs ?? Number.NaN;
  const head = `  ${title}, median run: build() ${msText(elapsedMs)} of ${msText(sample.ms)} wall; ${count(sections.length - built.length, "section", "sections")} cached, ${built.length} built`;
  return [
    `${head}${built.length > 0 ? ":" : ""}`,
    ...built.map(
      (e) =>
        `    ${e.name.padEnd(20)} ${msText(e.ms).padStart(9)}  ${count(e.entries, "entry", "entries")}, ${formatMegabytes(e.sizeBytes)} gz`,
    ),
  ].join("\n");
}

/** The median of the per-round ratios of `a` to `b`. */
function pairedRatio(a: readonly ProcessSample[], b: readonly ProcessSample[]): number {
  const ratios = a.map((s, i) => s.ms / (b[i]?.ms ?? Number.NaN)).sort((x, y) => x - y);
  return ratios[Math.floor(ratios.length / 2)] ?? Number.NaN;
}

/** The sample of median wall time, with its output. */
function medianRun(samples: readonly ProcessSample[]): ProcessSample {
  return [...samples].sort((a, b) => a.ms - b.ms)[Math.floor(samples.length / 2)] as ProcessSample;
}

/** What to say about LinuxKit, which this benchmark cannot feed its workload yet. */
async function linuxkitNote(): Promise<string> {
  const linuxkit = await which("linuxkit");
  return linuxkit
    ? `linuxkit: on PATH at ${linuxkit}, but not run: it needs the workload imported into its cache under registry names (not implemented), skipped`
    : "linuxkit: not on PATH, skipped";
}

/** Where a run works: scratch on disk (cache, outputs, YAML) and on tmpfs (the GNU tree). */
interface BenchDirs {
  readonly yml: string;
  readonly cache: string;
  readonly out: string;
  readonly shm: string;
}

const gnuOutput = (out: string, archive: GnuArchive) =>
  join(out, archive === "tar" ? "gnu.tar" : `gnu-${archive}-initrd.img`);

/** Every case, in the order a round runs them: a first build leaves the section cache warm for the rebuilds. */
function benchCases(workload: BuildWorkload, dirs: BenchDirs, options: { pigz: boolean }): BenchCase[] {
  const writeYaml = (motd: string) => writeFile(dirs.yml, generateBuildYaml(workload.refs, { motd }));
  const ocikit = (format: string) =>
    sampleProcess([
      process.execPath,
      CLI,
      "--json",
      "--cache",
      dirs.cache,
      "build",
      "-f",
      format,
      "--dir",
      dirs.out,
      "--name",
      "bench",
      dirs.yml,
    ]);
  const spec = gnuTreeSpec(workload, MOTD);
  const gnu = async (archive: GnuArchive) => {
    const paths = {
      tree: join(dirs.shm, "tree"),
      stage: join(dirs.shm, "stage"),
      output: gnuOutput(dirs.out, archive),
      kernel: join(dirs.out, "gnu-kernel"),
    };
    try {
      return await sampleProcess(["sh", "-c", gnuPipelineScript(spec, archive, paths)]);
    } finally {
      await rm(paths.tree, { recursive: true, force: true });
      await rm(paths.stage, { recursive: true, force: true });
    }
  };
  return [
    {
      id: "first",
      run: async () => {
        await rm(join(dirs.cache, "sections"), { recursive: true, force: true });
        await writeYaml(MOTD);
        return ocikit("kernel+initrd");
      },
    },
    { id: "rebuild", run: () => ocikit("kernel+initrd") },
    {
      id: "edited",
      run: async (round) => {
        await writeYaml(`${MOTD}edit ${round}\n`);
        return ocikit("kernel+initrd");
      },
    },
    {
      id: "tar",
      run: async () => {
        await writeYaml(MOTD);
        return ocikit("tar");
      },
    },
    { id: "gnu-gzip", run: () => gnu("cpio-gzip") },
    ...(options.pigz ? [{ id: "gnu-pigz" as const, run: () => gnu("cpio-pigz") }] : []),
    { id: "gnu-tar", run: () => gnu("tar") },
  ];
}

/** Runs every case once per round; round 0 is the warm-up and is not kept. */
async function runRounds(cases: readonly BenchCase[], rounds: number): Promise<Map<CaseId, ProcessSample[]>> {
  const samples = new Map<CaseId, ProcessSample[]>(cases.map((c) => [c.id, []]));
  for (let round = 0; round <= rounds; round++) {
    for (const c of cases) {
      const sample = await c.run(round);
      if (round > 0) samples.get(c.id)?.push(sample);
    }
  }
  return samples;
}

/** The table's rows, with the goals of docs/performance.md and what each case wrote last. */
async function tableRows(
  samples: ReadonlyMap<CaseId, ProcessSample[]>,
  out: string,
): Promise<BuildTableRow[]> {
  const of = (id: CaseId) => samples.get(id) ?? [];
  const row = (label: string, id: CaseId, extra: Partial<BuildTableRow> = {}): BuildTableRow => {
    const m = medianSample(of(id));
    return { label, medianMs: m.ms, maxRssKiB: m.maxRssKiB, ...extra };
  };
  const vs = (id: CaseId, baseline: CaseId, name: string) => ({
    value: pairedRatio(of(id), of(baseline)),
    baseline: name,
  });
  // LinuxKit is absent: GNU cpio+gzip, which performance.md measured at LinuxKit's time, stands in.
  const linuxkit = "LinuxKit (GNU here)";
  const initrd = await describeInitrd(join(out, "bench-initrd.img"));
  return [
    row("ocikit kernel+initrd, first build", "first", {
      ratio: vs("first", "gnu-gzip", "cpio+gzip"),
      goal: { against: linuxkit, maxRatio: 0.4, maxRssMiB: 150 },
      output: initrd,
    }),
    row("ocikit kernel+initrd, nothing changed", "rebuild", {
      ratio: vs("rebuild", "gnu-gzip", "cpio+gzip"),
      goal: { against: linuxkit, maxRatio: 0.05 },
      output: initrd,
    }),
    row("ocikit kernel+initrd, one file edited", "edited", {
      ratio: vs("edited", "gnu-gzip", "cpio+gzip"),
      goal: { against: linuxkit, maxRatio: 0.05 },
      output: initrd,
    }),
    row("ocikit tar", "tar", {
      ratio: vs("tar", "gnu-tar", "GNU tar"),
      goal: { against: "GNU tar", maxRatio: 1 },
      output: await describeTar(join(out, "bench.tar")),
    }),
    row("GNU untar + find|cpio|gzip -6", "gnu-gzip", {
      output: await describeInitrd(gnuOutput(out, "cpio-gzip")),
    }),
    ...(samples.has("gnu-pigz")
      ? [
          row("GNU untar + find|cpio|pigz -6", "gnu-pigz", {
            ratio: vs("gnu-pigz", "gnu-gzip", "cpio+gzip"),
            output: await describeInitrd(gnuOutput(out, "cpio-pigz")),
          }),
        ]
      : []),
    row("GNU untar + tar -cf", "gnu-tar", { output: await describeTar(gnuOutput(out, "tar")) }),
  ];
}

/** `build: 4 images, 7 layers (5 blobs, 105.9 MB gzip), …`. */
function describeWorkload(workload: BuildWorkload, rounds: number): string {
  const layers = Object.values(workload.images).flatMap((image) => image.manifests[0]?.layers ?? []);
  const blobs = new Map(layers.map((layer) => [layer.digest, layer.size]));
  const gzipBytes = [...blobs.values()].reduce((sum, size) => sum + size, 0);
  return `build: ${Object.keys(workload.images).length} images, ${layers.length} layers (${blobs.size} blobs, ${formatMegabytes(gzipBytes)} gzip), kernel.tar ${formatMegabytes(workload.kernelTarBytes)} (${workload.kernelRelease}); medians of ${rounds} rounds after a warm-up`;
}

/**
 * Runs the benchmark for `rounds` rounds after a warm-up one; returns the report.
 * @example
 * ```ts
 * console.log(await runBuildBench(3));
 * ```
 */
export async function runBuildBench(rounds = 3): Promise<string> {
  const workload = await buildBenchWorkload();
  const pigz = (await which("pigz")) !== undefined;
  const scratch = await mkdtemp(join(tmpdir(), "ocikit-bench-build-"));
  const shm = await mkdtemp(join("/dev/shm", "ocikit-bench-build-"));
  try {
    const dirs = {
      yml: join(scratch, "bench.yml"),
      cache: join(scratch, "cache"),
      out: join(scratch, "out"),
      shm,
    };
    await mkdir(dirs.out);
    const samples = await runRounds(benchCases(workload, dirs, { pigz }), rounds);
    const median = (id: CaseId) => medianRun(samples.get(id) ?? []);
    return [
      describeWorkload(workload, rounds),
      "  ocikit = node apps/cli/bin/ocikit.js --json --cache CACHE build -f FORMAT (Node's start-up included); GNU tree on tmpfs (/dev/shm); outputs on disk",
      indentLines(formatBuildTable(await tableRows(samples, dirs.out))),
      describeRun("first build", median("first")),
      describeRun("nothing changed", median("rebuild")),
      describeRun("one file edited", median("edited")),
      editRatioLine(pairedRatio(samples.get("edited") ?? [], samples.get("first") ?? [])),
      ...(pigz ? [] : ["  pigz: not installed, skipped"]),
      `  ${await linuxkitNote()}`,
    ].join("\n");
  } finally {
    await rm(scratch, { recursive: true, force: true });
    await rm(shm, { recursive: true, force: true });
  }
}

/** Issue 4's own goal: a rebuild after one `files` edit takes at most a tenth of the full build. */
export function editRatioLine(ratio: number): string {
  const verdict = ratio <= 0.1 ? "met" : "NOT met";
  return `  one file edited ÷ first build: ${ratio.toFixed(2)}× (issue 4: ≤ 0.10×: ${verdict})`;
}
