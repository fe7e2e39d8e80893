/**
 * The loop of `ocikit dev` (issue 7, point 1): build and boot at start; watch the YAML files and every
 * `files: source:` path; on a change (bursts of saves debounced), load and validate first — invalid
 * YAML is reported with its problems and the last good VM keeps running — then rebuild (the section
 * cache makes an edit to one entry cheap), stop the running VM gracefully and boot the new one.
 *
 * Building and booting are injected (`build`, `boot`): the CLI passes @ocikit/build with its cache and
 * transport, and `runQemu` with the run flags, so the loop knows no CLI setting. Everything it does is
 * said through `publish` as the page protocol's `ServerMessage`s. Directories are watched, not files:
 * editors save by writing a new file and renaming it over the old one.
 */
import { type FSWatcher, statSync, watch } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { BuildEvent } from "@ocikit/build";
import type { StopOptions, VmConsole, VmEnd } from "@ocikit/hypervisor";
import { type ConfigSource, type LoadedConfig, loadConfig } from "@ocikit/spec";
import { configProblems } from "./config-problems.js";
import { type SectionEvent, summarizeImage } from "./image-summary.js";
import type { BuildRecord, ServerMessage, VmState } from "./protocol.js";

/** What the loop uses of a running VM; `RunningVm` of @ocikit/hypervisor is one. */
export interface DevLoopVm {
  readonly accel?: string | undefined;
  readonly console: Pick<VmConsole, "subscribe" | "write">;
  /** Resolves when the VM has ended, however; never rejects. */
  readonly ended: Promise<VmEnd>;
  stop(options?: StopOptions): Promise<VmEnd>;
  /** Kills the VM at once and resolves with its end; `why` is said in the end's summary. */
  kill(why?: string): Promise<VmEnd>;
}

/** Builds a loaded configuration into `dir`; the CLI's wraps @ocikit/build. */
export type DevLoopBuild = (
  loaded: LoadedConfig,
  context: {
    readonly dir: string;
    readonly onEvent: (event: BuildEvent) => void;
    readonly signal: AbortSignal;
  },
) => Promise<{ readonly kernelPrefix: string }>;

export interface DevLoopOptions {
  /** The YAML files, as the user named them (relative to `cwd`); merged in this order. */
  readonly files: readonly string[];
  readonly cwd: string;
  readonly build: DevLoopBuild;
  /** Boots a kernel prefix (`DIR/NAME` for `NAME-kernel`, …); the CLI's wraps `runQemu`. */
  readonly boot: (kernelPrefix: string) => Promise<DevLoopVm>;
  readonly publish: (message: ServerMessage) => void;
  /** Where the outputs are written (passed to `build` as `dir`). */
  readonly outDir: string;
  /** Quiet time after the last change before a build starts; default DEV_LOOP_DEFAULTS.debounceMs. */
  readonly debounceMs?: number;
  /** How long a VM has to power off before it is killed; default DEV_LOOP_DEFAULTS.stopGraceMs. */
  readonly stopGraceMs?: number;
  /**
   * A VM whose console says nothing for this long after the power button is killed without waiting
   * out the grace: a guest that ignores the button (busybox init without acpid, as LinuxKit's init)
   * stays silent, one that shuts down prints. Default DEV_LOOP_DEFAULTS.stopQuietMs.
   */
  readonly stopQuietMs?: number;
  /** For `files: source: ~/…`; without it those sources are not watched. */
  readonly homeDir?: string;
  /** The clock, for `startedAt` and `elapsedMs`; default `Date.now`. */
  readonly now?: () => number;
  /** Aborting it closes the loop: the build is aborted, the VM stopped, the watchers removed. */
  readonly signal?: AbortSignal;
}

// A busybox guest ignores the ACPI power button, so a long grace only delays the next boot; the
// quiet rule ends such a guest after 1 s, while one that is shutting down gets the whole grace.
export const DEV_LOOP_DEFAULTS = { debounceMs: 300, stopGraceMs: 3000, stopQuietMs: 1000 } as const;

/** A running loop. */
export interface DevLoop {
  /** Queues a build (one more if one is running; merged with one already queued). */
  rebuild(reason?: string): void;
  /** Restarts the last good image without building. */
  reboot(): Promise<void>;
  /** Stops the VM (it stays stopped until the next build or reboot). */
  stop(): Promise<void>;
  /** Types into the running VM's console; ignored when none runs. */
  input(data: Uint8Array | string): void;
  /** The watched files: the YAML files and every `files: source:` path, absolute. */
  files(): string[];
  /** The VM's state now. */
  vm(): VmState;
  /** The builds so far, oldest first. */
  history(): BuildRecord[];
  /** Closes the loop, as aborting `signal` does; resolves with `closed`. */
  close(): Promise<void>;
  /** Resolves once closed: watchers removed, the build settled, the VM stopped. */
  readonly closed: Promise<void>;
}

interface CurrentVm {
  readonly vm: DevLoopVm;
  readonly buildId: number;
  readonly unsubscribe: () => void;
}

/**
 * Starts the loop: the first build and boot are queued at once.
 * @example
 * ```ts
 * const loop = startDevLoop({ files: ["minimal.yml"], cwd, outDir, build, boot, publish: hub.publish, signal });
 * await loop.closed;
 * ```
 */
export function startDevLoop(options: DevLoopOptions): DevLoop {
  const { cwd, publish } = options;
  const debounceMs = options.debounceMs ?? DEV_LOOP_DEFAULTS.debounceMs;
  const stopGraceMs = options.stopGraceMs ?? DEV_LOOP_DEFAULTS.stopGraceMs;
  const stopQuietMs = options.stopQuietMs ?? DEV_LOOP_DEFAULTS.stopQuietMs;
  const now = options.now ?? Date.now;
  const yamlFiles = options.files.map((f) => resolve(cwd, f));
  const outDir = resolve(cwd, options.outDir);
  const abort = new AbortController();

  let watched: string[] = [...yamlFiles];
  const watchers = new Map<string, FSWatcher>();
  // `files: source:` directories, each watched with everything below it.
  const treeWatchers = new Map<string, FSWatcher>();
  let changed = new Set<string>();
  let debounce: NodeJS.Timeout | undefined;
  let nextBuildId = 0;
  const records: BuildRecord[] = [];
  let current: CurrentVm | undefined;
  let vmState: VmState = { state: "none" };
  let lastGood: { kernelPrefix: string; buildId: number } | undefined;
  // One operation at a time (build, reboot, stop); a build asked for while one waits joins it.
  let queue: Promise<void> = Promise.resolve();
  let queuedBuild: { reasons: Set<string> } | undefined;
  let closing = false;

  function setVm(state: VmState): void {
    vmState = state;
    publish({ type: "vm", vm: state });
  }

  function record(build: BuildRecord): void {
    const at = records.findIndex((r) => r.id === build.id);
    if (at >= 0) records[at] = build;
    else records.push(build);
    publish({ type: "build", build });
  }

  function enqueue(op: () => Promise<void>): Promise<void> {
    const run = queue.then(() => (closing ? undefined : op()));
    queue = run.catch(() => undefined); // each op reports its own failure; the queue goes on
    return run;
  }

  function rebuild(reason = "rebuild"): void {
    if (closing) return;
    if (queuedBuild) {
      queuedBuild.reasons.add(reason);
      return;
    }
    const queued = { reasons: new Set([reason]) };
    queuedBuild = queued;
    void enqueue(async () => {
      queuedBuild = undefined;
      await buildOnce([...queued.reasons].join(", "));
    });
  }

  async function buildOnce(reason: string): Promise<void> {
    const id = ++nextBuildId;
    const started = now();
    const base = { id, startedAt: new Date(started).toISOString(), reason };
    record({ ...base, status: "running" });
    const elapsedMs = () => now() - started;
    let sources: ConfigSource[];
    let loaded: LoadedConfig;
    try {
      sources = await readSources();
    } catch (error) {
      record({ ...base, status: "failed", elapsedMs: elapsedMs(), error: (error as Error).message });
      return;
    }
    try {
      loaded = loadConfig(sources);
    } catch (error) {
      const problems = await configProblems(error, { sources, cwd });
      // Not the YAML's fault (a bug in the spec package): shown as a failed build, the loop goes on.
      if (problems === undefined) {
        record({ ...base, status: "failed", elapsedMs: elapsedMs(), error: messageOf(error) });
        return;
      }
      record({ ...base, status: "invalid", elapsedMs: elapsedMs(), problems });
      return;
    }
    for (const warning of loaded.warnings)
      publish({ type: "build-event", buildId: id, event: { type: "warning", ...warning } });
    updateWatched(sourcesOf(loaded), id);
    let kernelPrefix: string;
    const sections: SectionEvent[] = [];
    try {
      ({ kernelPrefix } = await options.build(loaded, {
        dir: options.outDir,
        onEvent: (event) => {
          if (event.type === "section") sections.push(event);
          publish({ type: "build-event", buildId: id, event });
        },
        signal: abort.signal,
      }));
    } catch (error) {
      record({ ...base, status: "failed", elapsedMs: elapsedMs(), error: messageOf(error) });
      return;
    }
    record({ ...base, status: "succeeded", elapsedMs: elapsedMs() });
    lastGood = { kernelPrefix, buildId: id };
    // Read back while the old VM stops and the new one starts: it is not on the way to the console.
    const imagePublished = publishImage(kernelPrefix, id, sections);
    if (!closing) await replaceVm(lastGood);
    await imagePublished;
  }

  /** The explorer's view of what the build made; a failure to read it back is only a warning. */
  async function publishImage(
    kernelPrefix: string,
    buildId: number,
    sections: SectionEvent[],
  ): Promise<void> {
    try {
      publish({ type: "image", image: await summarizeImage(kernelPrefix, { buildId, sections }) });
    } catch (error) {
      publish({
        type: "build-event",
        buildId,
        event: {
          type: "warning",
          code: "DEV_IMAGE_SUMMARY",
          message: `cannot read the image back: ${messageOf(error)}`,
        },
      });
    }
  }

  async function readSources(): Promise<ConfigSource[]> {
    return Promise.all(
      options.files.map(async (path) => ({ path, text: await readFile(resolve(cwd, path), "utf8") })),
    );
  }

  function sourcesOf(loaded: LoadedConfig): string[] {
    const paths: string[] = [];
    for (const entry of loaded.config.files) {
      const source = entry.source;
      if (source === undefined) continue;
      if (source === "~" || source.startsWith("~/")) {
        if (options.homeDir !== undefined) paths.push(join(options.homeDir, source.slice(1)));
      } else paths.push(isAbsolute(source) ? source : resolve(cwd, source));
    }
    return paths;
  }

  async function stopVm(): Promise<void> {
    const running = current;
    if (!running) return;
    const end = await stopQuietOrGraceful(running.vm);
    running.unsubscribe();
    if (current === running) {
      current = undefined;
      setVm({ state: "stopped", buildId: running.buildId, end });
    }
  }

  /** `vm.stop` with the grace, cut short when the console stays quiet for `stopQuietMs`. */
  async function stopQuietOrGraceful(vm: DevLoopVm): Promise<VmEnd> {
    let lastOutput = performance.now();
    const unsubscribe = vm.console.subscribe(() => {
      lastOutput = performance.now();
    });
    const timer = setInterval(() => {
      if (performance.now() - lastOutput >= stopQuietMs)
        void vm.kill(`its console was quiet for ${stopQuietMs / 1000} s after the power button`);
    }, 50);
    try {
      return await vm.stop({ graceMs: stopGraceMs });
    } finally {
      clearInterval(timer);
      unsubscribe();
    }
  }

  async function replaceVm(image: { kernelPrefix: string; buildId: number }): Promise<void> {
    await stopVm();
    if (closing) return;
    let vm: DevLoopVm;
    try {
      vm = await options.boot(image.kernelPrefix);
    } catch (error) {
      // The image was built but does not boot here (qemu missing, a port taken): the page shows
      // it on the build that made the image.
      const built = records.find((r) => r.id === image.buildId);
      if (built) record({ ...built, status: "failed", error: `cannot boot: ${messageOf(error)}` });
      setVm({ state: "none" });
      return;
    }
    const accel = vm.accel ?? "unknown";
    let running = false;
    const unsubscribe = vm.console.subscribe(
      (chunk) => {
        if (!running && current?.vm === vm) {
          running = true;
          setVm({ state: "running", buildId: image.buildId, accel });
        }
        publish({ type: "console", data: Buffer.from(chunk).toString("base64") });
      },
      { replay: true },
    );
    const entry = { vm, buildId: image.buildId, unsubscribe };
    current = entry;
    if (!running) setVm({ state: "booting", buildId: image.buildId, accel });
    // A guest that powers off (or panics) on its own: the page learns it at once.
    void vm.ended.then((end) => {
      if (current !== entry) return;
      current = undefined;
      entry.unsubscribe();
      setVm({ state: "stopped", buildId: entry.buildId, end });
    });
  }

  function updateWatched(paths: readonly string[], buildId: number): void {
    watched = [...new Set([...yamlFiles, ...paths])];
    const dirs = new Set(watched.map((p) => dirname(p)));
    const trees = new Set(paths.filter(isDirectory));
    closeWatchersExcept(watchers, dirs);
    closeWatchersExcept(treeWatchers, trees);
    const warn = (path: string, error: unknown) =>
      publish({
        type: "build-event",
        buildId,
        event: { type: "warning", code: "DEV_WATCH", message: `cannot watch ${path}: ${messageOf(error)}` },
      });
    /** Watches `path` into `into`; one that goes away (removed, unmounted) is dropped, and watched again by the next load that names it. */
    const watchInto = (
      into: Map<string, FSWatcher>,
      path: string,
      recursive: boolean,
      listener: (name: string | null) => void,
    ) => {
      if (into.has(path)) return;
      try {
        const watcher = watch(path, { persistent: false, recursive }, (_event, name) => listener(name));
        watcher.on("error", () => {
          watcher.close();
          into.delete(path);
        });
        into.set(path, watcher);
      } catch (error) {
        // A missing directory (an `optional: true` source): said as a warning, not a failure.
        warn(path, error);
      }
    };
    for (const dir of dirs) watchInto(watchers, dir, false, (name) => onDirChange(dir, name));
    // A directory source is copied whole: a change anywhere below it changes the image. The loop's own
    // outputs, when `--dir` is inside the tree, are not the user's edits.
    for (const tree of trees)
      watchInto(treeWatchers, tree, true, (name) => {
        if (name === null || !isInside(resolve(tree, name), outDir)) changedPath(tree);
      });
  }

  function onDirChange(dir: string, name: string | null): void {
    if (closing) return;
    const hits =
      name === null
        ? watched.filter((p) => dirname(p) === dir)
        : watched.filter((p) => dirname(p) === dir && basename(p) === name);
    for (const hit of hits) changedPath(hit);
  }

  /** Notes a changed watched path and (re)starts the debounce. */
  function changedPath(path: string): void {
    if (closing) return;
    changed.add(path);
    clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      const files = [...changed].map((p) => relativeName(p));
      changed = new Set();
      rebuild(files.join(", "));
    }, debounceMs);
  }

  function relativeName(path: string): string {
    return path.startsWith(`${cwd}/`) ? path.slice(cwd.length + 1) : path;
  }

  let closedPromise: Promise<void> | undefined;
  function close(): Promise<void> {
    if (closedPromise) return closedPromise;
    closing = true;
    clearTimeout(debounce);
    for (const watcher of [...watchers.values(), ...treeWatchers.values()]) watcher.close();
    watchers.clear();
    treeWatchers.clear();
    abort.abort();
    // vm.stop never rejects (it kills when the grace passes); the catch keeps `closed` resolving.
    closedPromise = queue.then(stopVm).catch(() => undefined);
    return closedPromise;
  }

  let resolveClosed: () => void = () => undefined;
  const closed = new Promise<void>((done) => {
    resolveClosed = done;
  });
  options.signal?.addEventListener("abort", () => void close().then(resolveClosed), { once: true });

  updateWatched([], 0);
  rebuild("start");
  if (options.signal?.aborted) void close().then(resolveClosed);

  return {
    rebuild,
    reboot: () =>
      enqueue(async () => {
        if (lastGood) await replaceVm(lastGood);
      }),
    stop: () => enqueue(stopVm),
    input: (data) => current?.vm.console.write(data),
    files: () => [...watched],
    vm: () => vmState,
    history: () => [...records],
    close: () => close().then(resolveClosed),
    closed,
  };
}

/** Closes and forgets the watchers of paths not in `keep`. */
function closeWatchersExcept(watchers: Map<string, FSWatcher>, keep: ReadonlySet<string>): void {
  for (const [path, watcher] of watchers) {
    if (keep.has(path)) continue;
    watcher.close();
    watchers.delete(path);
  }
}

function isInside(path: string, dir: string): boolean {
  return path === dir || path.startsWith(`${dir}/`);
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // Missing (an `optional: true` source) or unreadable: not a tree to watch; its parent is watched.
    return false;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
