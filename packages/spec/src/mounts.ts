/**
 * The three ways a container entry asks for mounts (linuxkit-reference.md §3.6):
 * `binds` strings (`src:dest[:opts]`), `tmpfs` strings (`dest[:opts]`) and full `mounts` entries
 * whose missing type, source or destination are inferred. Also how a bind names a volume (§1.8).
 */
import { fail, ok, type Parsed } from "./result.js";
import type { MountEntry } from "./schema.js";

/** An OCI runtime-spec mount, before id mappings. */
export interface OciMount {
  readonly destination: string;
  readonly type?: string;
  readonly source?: string;
  readonly options?: readonly string[];
  readonly uidMappings?: readonly OciIdMapping[];
  readonly gidMappings?: readonly OciIdMapping[];
}

/** An OCI `LinuxIDMapping`. */
export interface OciIdMapping {
  readonly containerID: number;
  readonly hostID: number;
  readonly size: number;
}

/** Options a bind without its own options gets. */
export const DEFAULT_BIND_OPTIONS: readonly string[] = ["rw", "rbind", "rshared"];

/**
 * Parses `src:dest[:opt,opt]`. Without options the bind is `rw,rbind,rshared`; with options they are
 * used as given plus `rbind` (so `/var:/var:rshared,rbind` yields `rshared,rbind,rbind`, as LinuxKit).
 */
export function parseBind(text: string): Parsed<OciMount & { source: string; options: readonly string[] }> {
  const parts = text.split(":");
  if (parts.length < 2)
    return fail(`cannot parse bind "${text}": missing ":"; expected source:destination[:options]`);
  if (parts.length > 3)
    return fail(`cannot parse bind "${text}": too many ":"; expected source:destination[:options]`);
  const [source = "", destination = "", optionText] = parts;
  if (source === "")
    return fail(`cannot parse bind "${text}": the source is empty; expected source:destination[:options]`);
  if (destination === "")
    return fail(
      `cannot parse bind "${text}": the destination is empty; expected source:destination[:options]`,
    );
  const options = optionText === undefined ? DEFAULT_BIND_OPTIONS : [...optionText.split(","), "rbind"];
  return ok({ destination, type: "bind", source, options });
}

/** Parses `dest[:opt,opt]` into a tmpfs mount (no options when none are given). */
export function parseTmpfs(text: string): Parsed<OciMount> {
  const parts = text.split(":");
  if (parts.length > 2)
    return fail(`cannot parse tmpfs "${text}": too many ":"; expected destination[:options]`);
  const [destination = "", optionText] = parts;
  if (destination === "")
    return fail(`cannot parse tmpfs "${text}": the destination is empty; expected destination[:options]`);
  const options = optionText === undefined ? [] : optionText.split(",");
  return ok({ destination, type: "tmpfs", source: "tmpfs", options });
}

const TYPES_NAMED_BY_SOURCE = new Set(["mqueue", "devpts", "proc", "sysfs", "cgroup"]);
const DEFAULT_DESTINATION: Readonly<Record<string, string>> = {
  proc: "/proc",
  devpts: "/dev/pts",
  sysfs: "/sys",
  cgroup: "/sys/fs/cgroup",
  mqueue: "/dev/mqueue",
};

/**
 * Completes a `mounts` entry: a missing type is the source when that names a pseudo filesystem, or
 * `tmpfs` for `/dev`; a missing source is the type; a missing destination is the type's usual one.
 */
export function resolveMount(entry: MountEntry): Parsed<OciMount> {
  let type = entry.type ?? "";
  let source = entry.source ?? "";
  let destination = entry.destination ?? "";
  if (type === "" && TYPES_NAMED_BY_SOURCE.has(source)) type = source;
  if (type === "" && destination === "/dev") type = "tmpfs";
  if (type === "" && destination === "") {
    return fail("mount is missing type and destination; add type: (bind, tmpfs, proc, …) and destination:");
  }
  if (type === "") {
    return fail(`mount for destination "${destination}" is missing type; add type: (bind, tmpfs, proc, …)`);
  }
  if (source === "") source = type;
  if (destination === "") destination = DEFAULT_DESTINATION[type] ?? "";
  if (destination === "") return fail(`mount of type "${type}" is missing destination; add destination:`);
  const mount: OciMount = {
    destination,
    type,
    source,
    ...(entry.options && entry.options.length > 0 ? { options: entry.options } : {}),
    ...(entry.uidmappings && entry.uidmappings.length > 0
      ? { uidMappings: entry.uidmappings.map(toIdMapping) }
      : {}),
    ...(entry.gidmappings && entry.gidmappings.length > 0
      ? { gidMappings: entry.gidmappings.map(toIdMapping) }
      : {}),
  };
  return ok(mount);
}

/** Completes an id mapping (missing numbers are 0, as when Go decodes it). */
export function toIdMapping(m: { containerID?: number; hostID?: number; size?: number }): OciIdMapping {
  return { containerID: m.containerID ?? 0, hostID: m.hostID ?? 0, size: m.size ?? 0 };
}

/** The volume a bind source names: a source that does not start with `/` (§1.8). */
export function volumeOfSource(source: string | undefined): string | undefined {
  return source !== undefined && source !== "" && !source.startsWith("/") ? source : undefined;
}

/** Where a volume is mounted from inside the image: `/containers/volumes/<name>/merged` (§3.6). */
export function volumeMergedPath(name: string): string {
  return `/containers/volumes/${name}/merged`;
}

/**
 * Whether a mount of a read-only volume is read-only as LinuxKit demands (§1.8): a bind string
 * must have exactly `ro` as its options; a mount must list `ro` before any `rw`.
 */
export function isReadOnlyBindText(text: string): boolean {
  return text.split(":")[2] === "ro";
}

/** See `isReadOnlyBindText`; for the long `mounts` form. */
export function isReadOnlyMountOptions(options: readonly string[] | undefined): boolean {
  for (const option of options ?? []) {
    if (option === "ro") return true;
    if (option === "rw") return false;
  }
  return false;
}
