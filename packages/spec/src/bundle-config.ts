/**
 * Generates a container bundle's OCI `config.json` and LinuxKit `runtime.json` from its YAML entry,
 * the image's config (Entrypoint, Cmd, Env, WorkingDir, the `org.mobyproject.config` label) and the
 * ids of all containers, exactly as linuxkit-reference.md §3.6–§3.7 describe `ConfigToOCI` and
 * `ImageBundle`.
 *
 * Deviations from LinuxKit, each in docs/compatibility.md: multi-word keys of `resources` and id
 * mappings are kept (Appendix A.2); duplicate capabilities and binds from `.add` are dropped (A.3);
 * a volume named in the long `mounts` form is rewritten like one in `binds` (A.13).
 */
import { ALL_CAPABILITIES, capabilityHint, capabilityKeyword, isKnownCapability } from "./capabilities.js";
import { type SourcePos, SpecError, type SpecErrorCode } from "./errors.js";
import { parseOctalMode } from "./file-mode.js";
import { type IdMap, resolveId } from "./id-map.js";
import { applyImageLabel, IMAGE_CONFIG_LABEL, parseImageLabel } from "./image-label.js";
import {
  isReadOnlyBindText,
  isReadOnlyMountOptions,
  type OciMount,
  parseBind,
  parseTmpfs,
  resolveMount,
  toIdMapping,
  volumeMergedPath,
  volumeOfSource,
} from "./mounts.js";
import {
  OCI_VERSION,
  type OciCapabilities,
  type OciDevice,
  type OciDeviceCgroup,
  type OciLinux,
  type OciNamespace,
  type OciProcess,
  type OciResources,
  type OciSpec,
  type RuntimeConfig,
} from "./oci-types.js";
import type { Parsed } from "./result.js";
import { parseRlimit, type Rlimit } from "./rlimits.js";
import type {
  IdValue,
  ImageEntry,
  ImageLabel,
  MountEntry,
  ResourcesEntry,
  RuntimeEntry,
  VolumeEntry,
} from "./schema.js";

/** The fields of an OCI image's config (`config` object of the image config blob) that matter here. */
export interface ImageConfigInfo {
  readonly Entrypoint?: readonly string[] | null;
  readonly Cmd?: readonly string[] | null;
  readonly Env?: readonly string[] | null;
  readonly WorkingDir?: string;
  readonly Labels?: Readonly<Record<string, string>> | null;
}

export interface BundleConfigOptions {
  /** The image's config; its label supplies defaults (§2.1). Default: an image with no config. */
  readonly imageConfig?: ImageConfigInfo;
  /** Ids of every container by name (`allocateIds`). */
  readonly ids: IdMap;
  /** The configuration's volumes, for binds that name one (§1.8). Default: none. */
  readonly volumes?: readonly VolumeEntry[];
  /** Where the entry is in the YAML, for messages. */
  readonly at?: SourcePos;
}

/** A container's generated configuration, before `runtime.json` gets its rootfs mounts. */
export interface BundleConfigs {
  readonly config: OciSpec;
  /** The merged `runtime` settings; `bundleRuntime` adds the rootfs mounts of §3.7. */
  readonly runtime: RuntimeConfig;
  /** The entry after the image label's defaults were applied. */
  readonly effective: ImageEntry;
}

/**
 * Generates `config.json` and the `runtime.json` settings of one container (§3.6).
 * @throws {SpecError} a label that is invalid (`SPEC_LABEL_INVALID`) or that sets something invalid:
 *   `SPEC_UNKNOWN_CAPABILITY`, `SPEC_CAPABILITY_ALL_NONE`, `SPEC_BIND`, `SPEC_TMPFS`, `SPEC_MOUNT`,
 *   `SPEC_RLIMIT`, `SPEC_MODE`, `SPEC_DEVICE`, `SPEC_UNKNOWN_ID`, `SPEC_VOLUME_NOT_FOUND`, `SPEC_VOLUME_READONLY`
 * @example
 * ```ts
 * const { config } = generateBundleConfigs(
 *   { name: "getty", image: "docker.io/linuxkit/getty:v1", net: "new" },
 *   { ids: allocateIds(cfg), imageConfig: { Cmd: ["/usr/bin/getty"] } },
 * );
 * ```
 */
export function generateBundleConfigs(entry: ImageEntry, options: BundleConfigOptions): BundleConfigs {
  const image = options.imageConfig ?? {};
  const labelText = image.Labels?.[IMAGE_CONFIG_LABEL];
  const label = labelText ? parseImageLabel(labelText, entry.image, options.at) : undefined;
  const e = applyImageLabel(entry, label);
  // Every YAML value was checked when the file was loaded, so a bad value here usually comes from
  // the image's label: say so, or the user looks for it in their YAML.
  const fail: Fail = (code, message, field) => {
    const fromLabel = field !== undefined && label?.[field] !== undefined && entry[field] === undefined;
    const origin = fromLabel ? `, in the image's ${IMAGE_CONFIG_LABEL} label` : "";
    throw new SpecError(code, `${entry.name} (${entry.image})${origin}: ${message}`, options.at);
  };
  const need: Need = (parsed, code, field) => (parsed.ok ? parsed.value : fail(code, parsed.message, field));

  const readonly = e.readonly ?? false;
  const config: OciSpec = {
    ociVersion: OCI_VERSION,
    process: buildProcess(e, image, options.ids, fail, need),
    root: { path: "rootfs", ...(readonly ? { readonly: true } : {}) },
    ...(e.hostname ? { hostname: e.hostname } : {}),
    mounts: buildMounts(e, readonly, options.volumes ?? [], fail, need),
    ...(e.annotations && Object.keys(e.annotations).length > 0
      ? { annotations: sortKeys(e.annotations) }
      : {}),
    linux: buildLinux(e, fail, need),
  };
  return { config, runtime: buildRuntime(e.runtime), effective: e };
}

type Field = keyof ImageLabel;
type Fail = (code: SpecErrorCode, message: string, field?: Field) => never;
type Need = <T>(parsed: Parsed<T>, code: SpecErrorCode, field?: Field) => T;

function buildProcess(e: ImageEntry, image: ImageConfigInfo, ids: IdMap, fail: Fail, need: Need): OciProcess {
  const args = e.command ?? [...(image.Entrypoint ?? []), ...(image.Cmd ?? [])];
  const env = e.env ?? image.Env ?? [];
  // An empty cwd is not allowed in OCI: it falls back to the image's WorkingDir, then "/".
  const cwd = e.cwd || image.WorkingDir || "/";
  const id = (value: IdValue | undefined, field: Field): number => {
    const n = resolveId(value, ids);
    return n === undefined
      ? fail("SPEC_UNKNOWN_ID", `cannot find id "${String(value)}": no container has that name`, field)
      : n;
  };
  const additionalGids = (e.additionalGids ?? []).map((gid) => id(gid, "additionalGids"));
  const effective = capabilityList(e.capabilities ?? [], (code, message) =>
    fail(code, message, "capabilities"),
  );
  const ambient = capabilityList(e.ambient ?? [], (code, message) => fail(code, message, "ambient"));
  const bounding = [...new Set([...effective, ...ambient])].sort(compareBytes);
  const capabilities: OciCapabilities = {
    ...(bounding.length > 0 ? { bounding } : {}),
    ...(effective.length > 0 ? { effective } : {}),
    ...(bounding.length > 0 ? { inheritable: bounding, permitted: bounding } : {}),
    ...(ambient.length > 0 ? { ambient } : {}),
  };
  const rlimits: Rlimit[] = (e.rlimits ?? []).map((r) => need(parseRlimit(r), "SPEC_RLIMIT", "rlimits"));
  return {
    user: {
      uid: id(e.uid, "uid"),
      gid: id(e.gid, "gid"),
      ...(additionalGids.length > 0 ? { additionalGids } : {}),
    },
    ...(args.length > 0 ? { args } : {}),
    ...(env.length > 0 ? { env } : {}),
    cwd,
    capabilities,
    ...(rlimits.length > 0 ? { rlimits } : {}),
    ...(e.noNewPrivileges ? { noNewPrivileges: true } : {}),
    ...(e.oomScoreAdj !== undefined ? { oomScoreAdj: e.oomScoreAdj } : {}),
  };
}

/** Expands `all`/`none` and checks names; the list is kept in its order, repeats included (§3.6). */
function capabilityList(list: readonly string[], fail: Fail): string[] {
  if (list.length === 1) {
    const keyword = capabilityKeyword(list[0] ?? "");
    if (keyword === "all") return [...ALL_CAPABILITIES];
    if (keyword === "none") return [];
  }
  const out: string[] = [];
  for (const name of list) {
    if (capabilityKeyword(name) !== undefined) {
      fail("SPEC_CAPABILITY_ALL_NONE", `"${name}" must be the only capability in the list`);
    }
    if (!isKnownCapability(name))
      fail("SPEC_UNKNOWN_CAPABILITY", `unknown capability "${name}"${capabilityHint(name)}`);
    out.push(name);
  }
  return out;
}

function buildMounts(
  e: ImageEntry,
  readonly: boolean,
  volumes: readonly VolumeEntry[],
  fail: Fail,
  need: Need,
): OciMount[] {
  const ro = readonly ? ["ro"] : [];
  // Defaults as Docker has them, keyed by destination; no /dev/shm or /dev/mqueue (§3.6).
  const mounts = new Map<string, OciMount>([
    [
      "/proc",
      {
        destination: "/proc",
        type: "proc",
        source: "proc",
        options: ["nosuid", "nodev", "noexec", "relatime"],
      },
    ],
    [
      "/dev",
      {
        destination: "/dev",
        type: "tmpfs",
        source: "tmpfs",
        options: ["nosuid", "strictatime", "mode=755", "size=65536k", ...ro],
      },
    ],
    [
      "/dev/pts",
      {
        destination: "/dev/pts",
        type: "devpts",
        source: "devpts",
        options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"],
      },
    ],
    [
      "/sys",
      { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", ...ro] },
    ],
    [
      "/sys/fs/cgroup",
      {
        destination: "/sys/fs/cgroup",
        type: "cgroup",
        source: "cgroup",
        options: ["nosuid", "noexec", "nodev", "relatime", "ro"],
      },
    ],
  ]);
  const byName = new Map(volumes.map((v) => [v.name, v]));
  const volumeSource = (
    source: string | undefined,
    readOnly: boolean,
    how: string,
    field: Field,
  ): string | undefined => {
    const name = volumeOfSource(source);
    if (name === undefined) return source;
    const volume = byName.get(name);
    if (!volume) return fail("SPEC_VOLUME_NOT_FOUND", `volume "${name}" not found`, field);
    if (volume.readonly === true && !readOnly) {
      return fail(
        "SPEC_VOLUME_READONLY",
        `volume "${name}" is read-only, but is mounted read-write; ${how}`,
        field,
      );
    }
    return volumeMergedPath(name);
  };

  for (const text of e.tmpfs ?? []) {
    const mount = need(parseTmpfs(text), "SPEC_TMPFS", "tmpfs");
    mounts.set(mount.destination, withOptions(mount));
  }
  for (const text of e.binds ?? []) {
    const bind = need(parseBind(text), "SPEC_BIND", "binds");
    const source = volumeSource(bind.source, isReadOnlyBindText(text), 'end the bind with ":ro"', "binds");
    mounts.set(bind.destination, {
      destination: bind.destination,
      type: "bind",
      source: source ?? "",
      options: bind.options,
    });
  }
  for (const entry of e.mounts ?? []) {
    const mount = need(resolveMount(entry), "SPEC_MOUNT", "mounts");
    const source =
      mount.type === "bind"
        ? volumeSource(
            mount.source,
            isReadOnlyMountOptions(entry.options),
            'put "ro" in its options',
            "mounts",
          )
        : mount.source;
    mounts.set(mount.destination, { ...mount, ...(source !== undefined ? { source } : {}) });
  }
  return [...mounts.values()].sort((a, b) => compareBytes(a.destination, b.destination));
}

function withOptions(mount: OciMount): OciMount {
  return mount.options && mount.options.length === 0
    ? {
        destination: mount.destination,
        ...(mount.type ? { type: mount.type } : {}),
        ...(mount.source ? { source: mount.source } : {}),
      }
    : mount;
}

function buildLinux(e: ImageEntry, fail: Fail, need: Need): OciLinux {
  const resources = buildResources(e.resources ?? {});
  const deviceRules: OciDeviceCgroup[] = [...(resources.devices ?? [])];
  const devices: OciDevice[] = [];
  for (const device of e.devices ?? []) {
    const type = device.type ?? "";
    if (device.path === "all") {
      deviceRules.push({ allow: true, ...(type ? { type } : {}), access: "rwm" });
      continue;
    }
    if (device.path === undefined || device.path === "")
      fail("SPEC_DEVICE", 'a device is missing "path"', "devices");
    if (device.mode === undefined) fail("SPEC_MODE", `device "${device.path}" is missing "mode"`, "devices");
    const fileMode = need(parseOctalMode(device.mode ?? ""), "SPEC_MODE", "devices");
    const major = device.major ?? 0;
    const minor = device.minor ?? 0;
    deviceRules.push({ allow: true, ...(type ? { type } : {}), major, minor, access: "rwm" });
    devices.push({ path: device.path ?? "", type, major, minor, fileMode });
  }
  const withDevices: OciResources = reorderResources({
    ...resources,
    ...(deviceRules.length > 0 ? { devices: deviceRules } : {}),
  });
  const uidMappings = (e.uidMappings ?? []).map(toIdMapping);
  const gidMappings = (e.gidMappings ?? []).map(toIdMapping);
  return {
    ...(uidMappings.length > 0 ? { uidMappings } : {}),
    ...(gidMappings.length > 0 ? { gidMappings } : {}),
    ...(e.sysctl && Object.keys(e.sysctl).length > 0 ? { sysctl: sortKeys(e.sysctl) } : {}),
    resources: withDevices,
    ...(e.cgroupsPath ? { cgroupsPath: e.cgroupsPath } : {}),
    namespaces: buildNamespaces(e),
    ...(devices.length > 0 ? { devices } : {}),
    ...(e.rootfsPropagation ? { rootfsPropagation: e.rootfsPropagation } : {}),
    ...(e.maskedPaths && e.maskedPaths.length > 0 ? { maskedPaths: e.maskedPaths } : {}),
    ...(e.readonlyPaths && e.readonlyPaths.length > 0 ? { readonlyPaths: e.readonlyPaths } : {}),
  };
}

/**
 * Namespaces in LinuxKit's order — network, ipc, uts, pid, user, then always a new mount namespace.
 * net/ipc/uts/user default to the host's, pid to a new one; `new` (and `none` for net) makes a new
 * one; `host`/`root` share the host's; anything else is a path to join.
 */
function buildNamespaces(e: ImageEntry): OciNamespace[] {
  const out: OciNamespace[] = [];
  const add = (type: OciNamespace["type"], value: string, fresh: readonly string[]): void => {
    if (value === "host" || value === "root") return;
    out.push(fresh.includes(value) ? { type } : { type, path: value });
  };
  add("network", e.net || "root", ["new", "none"]);
  add("ipc", e.ipc || "root", ["new"]);
  add("uts", e.uts || "root", ["new"]);
  add("pid", e.pid || "new", ["new"]);
  add("user", e.userns || "root", ["new"]);
  out.push({ type: "mount" });
  return out;
}

/** YAML `resources` (LinuxKit's key spelling) to runtime-spec JSON, in Go field order. */
function buildResources(r: ResourcesEntry): OciResources {
  const memory = r.memory
    ? pick(r.memory, [
        "limit",
        "reservation",
        "swap",
        "kernel",
        "kernelTCP",
        "swappiness",
        "disableOOMKiller",
      ])
    : undefined;
  const cpu = r.cpu
    ? pick(r.cpu, ["shares", "quota", "period", "realtimeRuntime", "realtimePeriod", "cpus", "mems"])
    : undefined;
  const throttle = (list: readonly { major?: number; minor?: number; rate?: number }[] | undefined) =>
    list?.map((d) => ({ major: d.major ?? 0, minor: d.minor ?? 0, rate: d.rate ?? 0 }));
  const b = r.blockio;
  const blockIO = b
    ? dropUndefined({
        weight: b.weight,
        leafWeight: b.leafWeight,
        weightDevice: b.weightDevice?.map((d) =>
          dropUndefined({
            major: d.major ?? 0,
            minor: d.minor ?? 0,
            weight: d.weight,
            leafWeight: d.leafWeight,
          }),
        ),
        throttleReadBpsDevice: throttle(b.throttleReadBpsDevice),
        throttleWriteBpsDevice: throttle(b.throttleWriteBpsDevice),
        throttleReadIOPSDevice: throttle(b.throttleReadIOPSDevice),
        throttleWriteIOPSDevice: throttle(b.throttleWriteIOPSDevice),
      })
    : undefined;
  return dropUndefined({
    devices: r.devices?.map((d) =>
      dropUndefined({
        allow: d.allow ?? false,
        type: d.type || undefined,
        major: d.major,
        minor: d.minor,
        access: d.access || undefined,
      }),
    ),
    memory,
    cpu,
    pids: r.pids ? { limit: r.pids.limit ?? 0 } : undefined,
    blockIO,
    // runtime-spec's pageSize is a string ("2MB"); LinuxKit's schema only lets an integer through.
    hugepageLimits: r.hugepageLimits?.map((h) => ({
      pageSize: String(h.pageSize ?? ""),
      limit: h.limit ?? 0,
    })),
    network: r.network
      ? dropUndefined({
          classID: r.network.classID,
          priorities: r.network.priorities?.map((p) => ({ name: p.name ?? "", priority: p.priority ?? 0 })),
        })
      : undefined,
  }) as OciResources;
}

/** Keeps Go's field order when `devices` was added after the other resources. */
function reorderResources(r: OciResources): OciResources {
  const keys = ["devices", "memory", "cpu", "pids", "blockIO", "hugepageLimits", "network"] as const;
  const out: Record<string, unknown> = {};
  for (const key of keys) if (r[key] !== undefined) out[key] = r[key];
  return out as OciResources;
}

/** Merged `runtime` settings with LinuxKit's defaults: every key present (§3.7). */
function buildRuntime(r: RuntimeEntry | undefined): RuntimeConfig {
  const ns = r?.bindNS ?? {};
  return {
    cgroups: r?.cgroups ?? [],
    mounts: (r?.mounts ?? []).map(runtimeMount),
    mkdir: r?.mkdir ?? [],
    interfaces: (r?.interfaces ?? []).map((i) => ({
      ...(i.name ? { name: i.name } : {}),
      ...(i.add ? { add: i.add } : {}),
      ...(i.peer ? { peer: i.peer } : {}),
      createInRoot: i.createInRoot ?? false,
    })),
    bindNS: {
      cgroup: ns.cgroup ?? "",
      ipc: ns.ipc ?? "",
      mnt: ns.mnt ?? "",
      net: ns.net ?? "",
      pid: ns.pid ?? "",
      user: ns.user ?? "",
      uts: ns.uts ?? "",
    },
    namespace: r?.namespace ?? "",
  };
}

/** A runtime mount is used as written (no inference), with runtime-spec's omitempty rules. */
function runtimeMount(m: MountEntry): OciMount {
  return {
    destination: m.destination ?? "",
    ...(m.type ? { type: m.type } : {}),
    ...(m.source ? { source: m.source } : {}),
    ...(m.options && m.options.length > 0 ? { options: m.options } : {}),
    ...(m.uidmappings && m.uidmappings.length > 0 ? { uidMappings: m.uidmappings.map(toIdMapping) } : {}),
    ...(m.gidmappings && m.gidmappings.length > 0 ? { gidMappings: m.gidmappings.map(toIdMapping) } : {}),
  };
}

/** Where a bundle lives and how its root filesystem was unpacked (§3.5). */
export interface BundleLayout {
  /** Bundle directory without leading slash, e.g. `containers/onboot/000-sysctl`. */
  readonly path: string;
  /** Whether the container is read-only (image unpacked to `rootfs/`, no overlay). */
  readonly readonly: boolean;
  /**
   * Where the image was unpacked, without leading slash: this bundle's own `lower` or `rootfs`, or
   * an earlier bundle's when the same image was unpacked before. Default: this bundle's own.
   */
  readonly extractedTo?: string;
}

/**
 * `runtime.json` for a bundle: the merged runtime settings with the rootfs mounts prepended (§3.7):
 * a tmpfs on `tmp`, its private remount and the overlay on `rootfs` for read-write containers, or a
 * bind of the unpacked image onto `rootfs` for read-only ones.
 */
export function bundleRuntime(runtime: RuntimeConfig, layout: BundleLayout): RuntimeConfig {
  const p = layout.path.replace(/^\/+|\/+$/g, "");
  const root = (layout.extractedTo ?? `${p}/${layout.readonly ? "rootfs" : "lower"}`).replace(
    /^\/+|\/+$/g,
    "",
  );
  const rootfsMounts: OciMount[] = layout.readonly
    ? [{ destination: `/${p}/rootfs`, source: `/${root}`, options: ["bind"] }]
    : [
        { destination: `/${p}/tmp`, type: "tmpfs", source: "tmpfs" },
        { destination: `/${p}/tmp`, options: ["remount", "private"] },
        {
          destination: `/${p}/rootfs`,
          type: "overlay",
          source: "overlay",
          options: [`lowerdir=/${root}`, `upperdir=/${p}/tmp/upper`, `workdir=/${p}/tmp/work`],
        },
      ];
  return { ...runtime, mounts: [...rootfsMounts, ...runtime.mounts] };
}

function pick<T extends object, K extends keyof T>(
  value: T,
  keys: readonly K[],
): Record<string, NonNullable<T[K]>> {
  const out: Record<string, NonNullable<T[K]>> = {};
  for (const key of keys)
    if (value[key] !== undefined && value[key] !== "") out[key as string] = value[key] as NonNullable<T[K]>;
  return out;
}

function dropUndefined<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function sortKeys(map: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => compareBytes(a, b)));
}

/** Byte-wise string order, as Go's sort.Strings (JS `<` compares UTF-16 code units). */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
