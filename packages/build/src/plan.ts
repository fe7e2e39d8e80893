/**
 * The plan: the root filesystem as LinuxKit lays it out (linuxkit-reference.md §3.1), as an ordered
 * list of sections — kernel, each init image, the merged APK database, each volume, each onboot,
 * onshutdown and service bundle, the files, the SBOM. Planning is pure apart from reading image
 * configs and `files: source:` contents: it computes, for every section, a key of everything that
 * determines its bytes (image digests, generated config.json/runtime.json, file contents, …), which
 * the section cache uses.
 */
import { createHash } from "node:crypto";
import { assert } from "@ocikit/errors";
import type { FsEntry } from "@ocikit/fs";
import type { OciLayoutStore, RawImage } from "@ocikit/oci";
import { flattenImage } from "@ocikit/oci";
import { allocateIds, type LoadedConfig } from "@ocikit/spec";
import { apkDatabaseEntries } from "./apk-db.js";
import { type BundlePlan, bundleEntries, type ContainerSection, planBundle } from "./bundle-section.js";
import { filesEntries, prepareFiles } from "./files-section.js";
import { fileEntry } from "./generated-entries.js";
import { filterImage } from "./image-filter.js";
import { kernelEntries, kernelSettings } from "./kernel-section.js";
import { type Provenance, stampProvenance } from "./linuxkit-records.js";
import { buildSbom, type SbomSource } from "./sbom.js";
import { volumeEntries, volumePath } from "./volume-section.js";

/** Bump when the bytes a section produces change for the same inputs, so cached sections are rebuilt. */
// 2: members deflated in 1 MiB blocks on two threads; 3: entry counts stored beside members
export const SECTION_FORMAT_VERSION = 3;

/** One part of the root filesystem. */
export interface PlannedSection {
  /** For progress and `inspect`: `kernel`, `init[0]`, `onboot[1] sshd`, `files`, `sbom`. */
  readonly name: string;
  readonly provenance: Provenance;
  /** Hex sha256 of everything that determines the section's bytes. */
  readonly key: string;
  readonly kind: "kernel" | "init" | "apk" | "volume" | "bundle" | "files" | "sbom";
  /** The entries, stamped with LinuxKit's PAX records (source, location). */
  entries(): AsyncIterable<FsEntry>;
}

export interface BuildPlan {
  readonly sections: readonly PlannedSection[];
  /** The kernel command line (written to `boot/cmdline` and `NAME-cmdline`). */
  readonly cmdline: string;
}

export interface PlanOptions {
  /** Images by the reference text used in the configuration (normalised). */
  readonly images: ReadonlyMap<string, RawImage>;
  readonly store: OciLayoutStore;
  readonly sbom: boolean;
  readonly decompressKernel: boolean;
  readonly cwd: string;
  readonly homeDir: string;
}

/** Plans the sections of a build. */
export async function planBuild(loaded: LoadedConfig, options: PlanOptions): Promise<BuildPlan> {
  const { config } = loaded;
  const image = (ref: string): RawImage => {
    const found = options.images.get(ref);
    assert(found, `planBuild: image ${ref} was not resolved`);
    return found;
  };
  const sections: PlannedSection[] = [];
  const add = (
    kind: PlannedSection["kind"],
    name: string,
    provenance: Provenance,
    inputs: unknown,
    entries: () => AsyncIterable<FsEntry>,
  ): void => {
    sections.push({
      kind,
      name,
      provenance,
      key: sectionKey(kind, provenance, inputs),
      entries: () => stampProvenance(entries(), provenance),
    });
  };
  const sbomSources: SbomSource[] = [];

  if (config.kernel?.image) {
    const k = image(config.kernel.image);
    const settings = kernelSettings(config.kernel);
    add(
      "kernel",
      "kernel",
      { source: k.ref, location: "kernel" },
      { digest: k.digest, settings, decompress: options.decompressKernel },
      () => kernelEntries(k, settings, { decompressKernel: options.decompressKernel }),
    );
  }
  const initImages = config.init.map(image);
  initImages.forEach((img, i) => {
    sbomSources.push({ image: img, prefix: "" });
    add("init", `init[${i}]`, { source: img.ref, location: `init[${i}]` }, { digest: img.digest }, () =>
      filterImage(flattenImage(img), { prefix: "", resolvConf: "symlink" }),
    );
  });
  if (initImages.length >= 2) {
    add(
      "apk",
      "init apk database",
      { source: "LINUXKIT.apkinit", location: "init" },
      { digests: initImages.map((i) => i.digest) },
      () => apkDatabaseEntries(initImages),
    );
  }
  config.volumes.forEach((volume, i) => {
    const img = volume.image ? image(volume.image) : undefined;
    if (img) sbomSources.push({ image: img, prefix: `${volumePath(volume.name)}/lower` });
    add(
      "volume",
      `volume[${i}] ${volume.name}`,
      { source: img?.ref ?? "empty", location: `volume[${i}]` },
      { volume, digest: img?.digest },
      () => volumeEntries(volume, img),
    );
  });

  const ids = allocateIds(config);
  const unpacked = new Map<string, string>();
  for (const section of ["onboot", "onshutdown", "services"] as const satisfies readonly ContainerSection[]) {
    for (const [i, entry] of config[section].entries()) {
      const img = image(entry.image);
      const at = loaded.sources.locate([section, i]);
      const plan: BundlePlan = await planBundle(section, i, entry, img, {
        ids,
        volumes: config.volumes,
        unpacked,
        ...(at ? { at } : {}),
      });
      if (!plan.dedup) sbomSources.push({ image: img, prefix: plan.extractedTo });
      add(
        "bundle",
        `${section}[${i}] ${entry.name}`,
        { source: img.ref, location: `${section}[${i}]` },
        { plan, digest: img.digest },
        () => bundleEntries(plan, img),
      );
    }
  }

  if (config.files.length > 0) {
    const prepared = await prepareFiles({ config, ids, cwd: options.cwd, homeDir: options.homeDir });
    const inputs = prepared.map((p) => ({
      entry: p.entry,
      skip: p.skip,
      sha256: p.bytes ? sha256Hex(p.bytes) : undefined,
    }));
    add("files", "files", { source: "linuxkit.files", location: "files" }, { inputs, ids: [...ids] }, () =>
      fromSync(filesEntries(prepared, ids)),
    );
  }
  if (options.sbom) {
    const key = { images: sbomSources.map((s) => [s.image.digest, s.image.indexDigest, s.prefix]) };
    sections.push({
      kind: "sbom",
      name: "sbom",
      provenance: { source: "sbom", location: "sbom" },
      key: sectionKey("sbom", { source: "sbom", location: "sbom" }, key),
      // LinuxKit writes the SBOM without PAX records.
      entries: async function* () {
        yield fileEntry("sbom.spdx.json", await buildSbom(sbomSources, options.store), 0o644);
      },
    });
  }
  return { sections, cmdline: config.kernel?.cmdline ?? "" };
}

function sectionKey(kind: string, provenance: Provenance, inputs: unknown): string {
  return sha256Hex(JSON.stringify({ v: SECTION_FORMAT_VERSION, kind, provenance, inputs }));
}

function sha256Hex(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

async function* fromSync<T>(items: Iterable<T>): AsyncIterable<T> {
  yield* items;
}
