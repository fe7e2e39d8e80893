/**
 * Folds several parsed files into one `Config` (linuxkit-reference.md §2.2) and runs the checks that
 * need all of them: service and volume names unique over every file, `uid`/`gid` names that exist,
 * and binds that name declared volumes (read-only ones mounted read-only).
 *
 * Deviations from LinuxKit (docs/compatibility.md): volumes declared in any file can be used from any
 * other (LinuxKit only sees the last file's, Appendix A.12), and duplicate volume names across files
 * are reported.
 */
import { closestMatch } from "./did-you-mean.js";
import type { SourcePos, SpecDiagnostic, SpecErrorCode, SpecWarning } from "./errors.js";
import { allocateIds, type IdMap } from "./id-map.js";
import { normalizeImageRef } from "./image-ref.js";
import {
  isReadOnlyBindText,
  isReadOnlyMountOptions,
  parseBind,
  resolveMount,
  volumeOfSource,
} from "./mounts.js";
import { isOutputFormat, type OutputFormat } from "./output-formats.js";
import type { ParsedFile } from "./parse-file.js";
import type { FileEntry, IdValue, ImageEntry, KernelConfig, VolumeEntry } from "./schema.js";
import { CONTAINER_SECTIONS, SERVICES_UNIQUE } from "./semantic-checks.js";
import type { LocateOptions, Path, YamlLocator } from "./yaml-locator.js";

/** The merged, validated configuration: pure data, image references normalised. */
export interface Config {
  readonly kernel?: KernelConfig;
  readonly init: readonly string[];
  readonly volumes: readonly VolumeEntry[];
  readonly onboot: readonly ImageEntry[];
  readonly onshutdown: readonly ImageEntry[];
  readonly services: readonly ImageEntry[];
  readonly files: readonly FileEntry[];
  /** Default output formats, from the 2017 `outputs:` lists (empty for today's format). */
  readonly outputs: readonly OutputFormat[];
}

type ListSection = "init" | "volumes" | "onboot" | "onshutdown" | "services" | "files" | "outputs";
const LIST_SECTIONS: readonly ListSection[] = [
  "init",
  "volumes",
  "onboot",
  "onshutdown",
  "services",
  "files",
  "outputs",
];
type KernelKey = keyof KernelConfig;

/**
 * Where each part of a merged `Config` was written: `locate(["services", 3, "binds", 0])` gives the
 * `file:line:col` of that bind in whichever file declared the fourth service overall.
 */
export class SourceMap {
  readonly #files: readonly YamlLocator[];
  readonly #lists: ReadonlyMap<ListSection, readonly (readonly [file: number, index: number])[]>;
  readonly #kernel: ReadonlyMap<KernelKey, number>;

  constructor(
    files: readonly YamlLocator[],
    lists: ReadonlyMap<ListSection, readonly (readonly [number, number])[]>,
    kernel: ReadonlyMap<KernelKey, number>,
  ) {
    this.#files = files;
    this.#lists = lists;
    this.#kernel = kernel;
  }

  /** The position of a path of the merged config, or undefined if it comes from no file. */
  locate(path: Path, options?: LocateOptions): SourcePos | undefined {
    const [section, index, ...rest] = path;
    if (section === "kernel") {
      const file = this.#kernel.get((index as KernelKey | undefined) ?? "image");
      return file === undefined ? undefined : this.#files[file]?.locate(path, options);
    }
    const origin = typeof index === "number" ? this.#lists.get(section as ListSection)?.[index] : undefined;
    if (!origin) return undefined;
    return this.#files[origin[0]]?.locate([section as string, origin[1], ...rest], options);
  }
}

export interface MergeResult {
  readonly config: Config;
  readonly sources: SourceMap;
  readonly diagnostics: readonly SpecDiagnostic[];
  readonly warnings: readonly SpecWarning[];
}

/** Merges parsed files in order and checks the whole. */
export function mergeParsedFiles(files: readonly ParsedFile[]): MergeResult {
  const kernel: Record<string, string> = {};
  const kernelOrigin = new Map<KernelKey, number>();
  const lists = new Map<ListSection, [number, number][]>(LIST_SECTIONS.map((s) => [s, []]));
  const merged: Record<ListSection, unknown[]> = {
    init: [],
    volumes: [],
    onboot: [],
    onshutdown: [],
    services: [],
    files: [],
    outputs: [],
  };
  files.forEach((parsed, fileIndex) => {
    const k = parsed.config.kernel;
    if (k) {
      // image, cmdline, binary: a later file wins if non-empty; tar, ucode: if present (§2.2).
      for (const key of ["image", "cmdline", "binary"] as const) {
        const v = k[key];
        if (v !== undefined && v !== "") {
          kernel[key] = v;
          kernelOrigin.set(key, fileIndex);
        }
      }
      for (const key of ["tar", "ucode"] as const) {
        const v = k[key];
        if (v !== undefined) {
          kernel[key] = v;
          kernelOrigin.set(key, fileIndex);
        }
      }
    }
    for (const section of LIST_SECTIONS) {
      const list = (parsed.config as Record<string, unknown[] | undefined>)[section] ?? [];
      list.forEach((item, i) => {
        if (section !== "init" && parsed.incomplete.has(item as object)) return;
        merged[section].push(item);
        lists.get(section)?.push([fileIndex, i]);
      });
    }
  });

  const config: Config = {
    ...(Object.keys(kernel).length > 0 || files.some((f) => f.config.kernel !== undefined)
      ? { kernel: normalizeKernel(kernel as KernelConfig) }
      : {}),
    init: (merged.init as string[]).map(normalizeRef),
    volumes: (merged.volumes as VolumeEntry[]).map((v) =>
      v.image === undefined ? v : { ...v, image: normalizeRef(v.image) },
    ),
    onboot: (merged.onboot as ImageEntry[]).map(normalizeEntry),
    onshutdown: (merged.onshutdown as ImageEntry[]).map(normalizeEntry),
    services: (merged.services as ImageEntry[]).map(normalizeEntry),
    files: merged.files as FileEntry[],
    outputs: unique(
      (merged.outputs as { format: string }[])
        .map((o) => o.format)
        .filter((f): f is OutputFormat => isOutputFormat(f)),
    ),
  };
  const sources = new SourceMap(
    files.map((f) => f.locator),
    lists,
    kernelOrigin,
  );
  const diagnostics: SpecDiagnostic[] = [];
  const warnings: SpecWarning[] = [];
  checkMerged(config, sources, files.length > 1, diagnostics, warnings);
  return { config, sources, diagnostics, warnings };
}

function normalizeRef(ref: string): string {
  return ref.startsWith("@") ? ref : normalizeImageRef(ref);
}

function normalizeEntry(entry: ImageEntry): ImageEntry {
  return { ...entry, image: normalizeRef(entry.image) };
}

function normalizeKernel(kernel: KernelConfig): KernelConfig {
  return kernel.image === undefined ? kernel : { ...kernel, image: normalizeRef(kernel.image) };
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}

function checkMerged(
  config: Config,
  sources: SourceMap,
  acrossFiles: boolean,
  diagnostics: SpecDiagnostic[],
  warnings: SpecWarning[],
): void {
  const report = (code: SpecErrorCode, path: Path, message: string): void => {
    const at = sources.locate(path);
    if (at) diagnostics.push({ code, at, message });
  };

  if (acrossFiles) {
    // Within one file these were reported by semantic-checks.ts; here only pairs from two files.
    reportDuplicates(
      config.services,
      "services",
      "service",
      sources,
      report,
      "SPEC_DUPLICATE_SERVICE",
      SERVICES_UNIQUE,
    );
    reportDuplicates(config.volumes, "volumes", "volume", sources, report, "SPEC_DUPLICATE_VOLUME");
  }

  const ids = allocateIds(config);
  const sectionsOf = new Map<string, string[]>();
  for (const section of CONTAINER_SECTIONS) {
    for (const entry of config[section])
      sectionsOf.set(entry.name, [...(sectionsOf.get(entry.name) ?? []), section]);
  }
  const checkId = (id: IdValue | undefined, path: Path): void => {
    if (typeof id !== "string" || id === "" || id === "root") return;
    if (!ids.has(id)) {
      const hint = closestMatch(id, ids.keys());
      report(
        "SPEC_UNKNOWN_ID",
        path,
        `cannot find id "${id}": no onboot, onshutdown or services container has that name${hint ? `; did you mean "${hint}"?` : ""}${/^[0-9]+$/.test(id) ? `; for the numeric id write ${id} without quotes` : ""}`,
      );
      return;
    }
    const where = sectionsOf.get(id) ?? [];
    if (where.length > 1) {
      const at = sources.locate(path);
      warnings.push({
        code: "SPEC_NAME_REUSED",
        ...(at ? { at } : {}),
        message: `id "${id}" names ${where.length} containers (${where.join(", ")}); the last one's id ${ids.get(id)} is used, as in LinuxKit`,
      });
    }
  };

  const volumes = new Map(config.volumes.map((v) => [v.name, v]));
  for (const section of CONTAINER_SECTIONS) {
    config[section].forEach((entry, i) => {
      checkId(entry.uid, [section, i, "uid"]);
      checkId(entry.gid, [section, i, "gid"]);
      entry.additionalGids?.forEach((gid, j) => {
        checkId(gid, [section, i, "additionalGids", j]);
      });
      checkVolumeUse(entry, [section, i], volumes, report);
    });
  }
  config.files.forEach((file, i) => {
    checkId(file.uid, ["files", i, "uid"]);
    checkId(file.gid, ["files", i, "gid"]);
  });
}

function reportDuplicates(
  list: readonly { readonly name: string }[],
  section: "services" | "volumes",
  what: string,
  sources: SourceMap,
  report: (code: SpecErrorCode, path: Path, message: string) => void,
  code: SpecErrorCode,
  why = "",
): void {
  const first = new Map<string, number>();
  list.forEach((entry, i) => {
    const j = first.get(entry.name);
    if (j === undefined) {
      first.set(entry.name, i);
      return;
    }
    const a = sources.locate([section, j, "name"]);
    const b = sources.locate([section, i, "name"]);
    if (a && b && a.file !== b.file) {
      report(
        code,
        [section, i, "name"],
        `duplicate ${what} name "${entry.name}" (first used at ${a.file}:${a.line}:${a.col})${why}`,
      );
    }
  });
}

/** Binds and bind mounts whose source names a volume (§1.8). */
function checkVolumeUse(
  entry: ImageEntry,
  path: Path,
  volumes: ReadonlyMap<string, VolumeEntry>,
  report: (code: SpecErrorCode, path: Path, message: string) => void,
): void {
  const use = (name: string, at: Path, sourceAt: Path, readOnly: boolean, how: string): void => {
    const volume = volumes.get(name);
    if (!volume) {
      const hint = closestMatch(name, volumes.keys());
      report(
        "SPEC_VOLUME_NOT_FOUND",
        sourceAt,
        `volume "${name}" not found; a bind source without a leading "/" names a volume, and no volumes: entry has that name${hint ? `; did you mean "${hint}"?` : ""}`,
      );
    } else if (volume.readonly === true && !readOnly) {
      report("SPEC_VOLUME_READONLY", at, `volume "${name}" is read-only, ${how}`);
    }
  };
  for (const key of ["binds", "binds.add"] as const) {
    entry[key]?.forEach((text, j) => {
      const bind = parseBind(text);
      if (!bind.ok) return;
      const name = volumeOfSource(bind.value.source);
      const options = text.split(":")[2];
      const how =
        options === undefined || !options.split(",").includes("ro")
          ? `but ${entry.name} mounts it read-write; end the bind with ":ro"`
          : `and a bind of a read-only volume must have exactly "ro" as its options (got "${options}"); write "${bind.value.source}:${bind.value.destination}:ro"`;
      if (name !== undefined) use(name, [...path, key, j], [...path, key, j], isReadOnlyBindText(text), how);
    });
  }
  entry.mounts?.forEach((mount, j) => {
    const resolved = resolveMount(mount);
    if (!resolved.ok || resolved.value.type !== "bind") return;
    const name = volumeOfSource(resolved.value.source);
    const how = `but ${entry.name} mounts it read-write; put "ro" in its options`;
    if (name !== undefined)
      use(
        name,
        [...path, "mounts", j],
        [...path, "mounts", j, "source"],
        isReadOnlyMountOptions(mount.options),
        how,
      );
  });
}

export type { IdMap };
