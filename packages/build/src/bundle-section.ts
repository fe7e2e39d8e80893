/**
 * Container bundles (`onboot`, `onshutdown`, `services`; linuxkit-reference.md §3.5–§3.7, LinuxKit's
 * `ImageBundle`): `P/` with the image unpacked at `P/lower` (read-write) or `P/rootfs` (read-only),
 * `P/config.json`, `P/tmp` and `P/rootfs` mount points, `P/runtime.json`. When the same image was
 * unpacked for an earlier bundle it is not unpacked again: the bundle's runtime.json mounts the
 * earlier extraction instead.
 */
import type { FsEntry } from "@ocikit/fs";
import { flattenImage, type Image } from "@ocikit/oci";
import {
  bundleRuntime,
  formatGoJson,
  generateBundleConfigs,
  type IdMap,
  type ImageEntry,
  type SourcePos,
  type VolumeEntry,
} from "@ocikit/spec";
import { dirEntry, fileEntry, prefixDirs } from "./generated-entries.js";
import { filterImage } from "./image-filter.js";

export type ContainerSection = "onboot" | "onshutdown" | "services";

/** A planned bundle: where it goes and what is in its generated files. */
export interface BundlePlan {
  /** `containers/onboot/000-name` (no slashes around). */
  readonly path: string;
  readonly readonly: boolean;
  /** Where the image is unpacked; another bundle's when `dedup` is true. */
  readonly extractedTo: string;
  /** Whether an earlier bundle unpacked the image already. */
  readonly dedup: boolean;
  readonly configJson: string;
  readonly runtimeJson: string;
}

/** The bundle directory of entry `index` of `section`: `NNN-name` for onboot/onshutdown. */
export function bundlePath(section: ContainerSection, index: number, name: string): string {
  return section === "services"
    ? `containers/services/${name}`
    : `containers/${section}/${String(index).padStart(3, "0")}-${name}`;
}

/**
 * Plans one bundle: generates its config.json and runtime.json and decides where its image is
 * unpacked. `unpacked` maps image references to the first extraction (updated here).
 * @throws {SpecError} from config generation (an invalid image label, …)
 */
export async function planBundle(
  section: ContainerSection,
  index: number,
  entry: ImageEntry,
  image: Image,
  context: { ids: IdMap; volumes: readonly VolumeEntry[]; unpacked: Map<string, string>; at?: SourcePos },
): Promise<BundlePlan> {
  const config = await image.config();
  const generated = generateBundleConfigs(entry, {
    ids: context.ids,
    volumes: context.volumes,
    imageConfig: config.config ?? {},
    ...(context.at ? { at: context.at } : {}),
  });
  const path = bundlePath(section, index, entry.name);
  const readonly = generated.effective.readonly ?? false;
  const own = `${path}/${readonly ? "rootfs" : "lower"}`;
  const earlier = context.unpacked.get(entry.image);
  if (earlier === undefined) context.unpacked.set(entry.image, own);
  const extractedTo = earlier ?? own;
  const runtime = bundleRuntime(generated.runtime, { path, readonly, extractedTo });
  return {
    path,
    readonly,
    extractedTo,
    dedup: earlier !== undefined,
    configJson: formatGoJson(generated.config),
    runtimeJson: formatGoJson(runtime),
  };
}

/** The entries of a planned bundle, in LinuxKit's order. */
export async function* bundleEntries(plan: BundlePlan, image: Image): AsyncIterable<FsEntry> {
  if (plan.dedup) {
    yield* prefixDirs(plan.path);
  } else {
    yield* prefixDirs(plan.extractedTo);
    yield* filterImage(flattenImage(image), { prefix: plan.extractedTo, resolvConf: "file" });
  }
  yield fileEntry(`${plan.path}/config.json`, plan.configJson, 0o644);
  if (!plan.readonly) {
    yield dirEntry(`${plan.path}/tmp`);
    yield dirEntry(`${plan.path}/rootfs`);
  } else if (plan.dedup) {
    yield dirEntry(`${plan.path}/rootfs`);
  }
  yield fileEntry(`${plan.path}/runtime.json`, plan.runtimeJson, 0o644);
}
