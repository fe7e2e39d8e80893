/**
 * The rules of one YAML file beyond its schema (linuxkit-reference.md §1.5–§1.10, §3.6): container
 * names, image references, capability names, binds/tmpfs/mounts syntax, devices, rlimits, `files`
 * entry rules and octal modes, volume names, 2017 `outputs:`. LinuxKit finds most of these only at
 * build time and stops at the first; we find them all before anything is pulled.
 * Rules that need every file (duplicates across files, uid/gid names, volume lookups) are in merge.ts.
 */
import { capabilityHint, capabilityKeyword, isKnownCapability } from "./capabilities.js";
import type { Damage } from "./damage.js";
import { didYouMean } from "./did-you-mean.js";
import type { SpecDiagnostic, SpecErrorCode, SpecWarning } from "./errors.js";
import { parseOctalMode } from "./file-mode.js";
import { parseImageRef } from "./image-ref.js";
import { parseBind, parseTmpfs, resolveMount } from "./mounts.js";
import { isOutputFormat, OUTPUT_FORMATS } from "./output-formats.js";
import { parseRlimit } from "./rlimits.js";
import type { ConfigFile, DeviceEntry, FileEntry, IdValue, ImageEntry, VolumeEntry } from "./schema.js";
import type { Path, YamlLocator } from "./yaml-locator.js";

export interface CheckContext {
  readonly locator: YamlLocator;
  /** Entries whose required fields failed the schema; they are not checked again. */
  readonly incomplete: ReadonlySet<object>;
  /** What failed the schema and was pruned: not complained about again. */
  readonly damage: Damage;
}

export interface CheckResult {
  readonly diagnostics: SpecDiagnostic[];
  readonly warnings: SpecWarning[];
}

/** The container sections, in the order LinuxKit allocates ids and writes bundles. */
export const CONTAINER_SECTIONS = ["onboot", "onshutdown", "services"] as const;
export type ContainerSection = (typeof CONTAINER_SECTIONS)[number];

/** Why service names must be unique (the same words whether the duplicate is in one file or two). */
export const SERVICES_UNIQUE = "; services run side by side and need unique names";

const VOLUME_NAME = /^[a-z0-9_-]*$/;
const MAX_ID = 0xffff_ffff;
const DEVICE_TYPES = new Set(["c", "b", "u", "p"]);
const DEVICE_RULE_TYPES = new Set(["a", "c", "b"]);
const METADATA_TYPES = new Set(["yaml", "json"]);

/** Checks one parsed file. */
export function checkConfigFile(config: ConfigFile, ctx: CheckContext): CheckResult {
  const out: CheckResult = { diagnostics: [], warnings: [] };
  const report: Report = (code, path, message, at = "value") => {
    if (ctx.damage.isPruned(path)) return;
    out.diagnostics.push({ code, at: ctx.locator.locate(path, { at }), message });
  };
  // "X is missing" about a mapping that lost a key to the schema is most likely about that key.
  report.missing = (code, objectPath, path, message) => {
    if (!ctx.damage.isDamaged(objectPath)) report(code, path, message);
  };

  // An empty kernel image means "no kernel" (and lets a later file keep an earlier one's, §2.2).
  if (config.kernel?.image) checkImageRef(config.kernel.image, ["kernel", "image"], report);
  config.init?.forEach((ref, i) => {
    checkImageRef(ref, ["init", i], report);
  });
  for (const section of CONTAINER_SECTIONS) {
    config[section]?.forEach((entry, i) => {
      if (!ctx.incomplete.has(entry)) checkContainer(entry, [section, i], report, out.warnings, ctx.locator);
    });
  }
  checkDuplicateServices(config.services ?? [], ctx, report);
  config.files?.forEach((file, i) => {
    checkFile(file, ["files", i], report, out.warnings, ctx.locator);
  });
  checkVolumes(config.volumes ?? [], ctx, report);
  config.outputs?.forEach((output, i) => {
    if (ctx.incomplete.has(output)) return;
    if (!isOutputFormat(output.format)) {
      report(
        "SPEC_OUTPUT_FORMAT",
        ["outputs", i, "format"],
        `unknown output format "${output.format}"${didYouMean(output.format, OUTPUT_FORMATS) || `; expected one of ${OUTPUT_FORMATS.join(", ")}`}`,
      );
    }
    for (const key of ["project", "bucket", "family", "keys", "public", "replace"] as const) {
      if (output[key] !== undefined) {
        out.warnings.push({
          code: "SPEC_OUTPUT_FIELD_IGNORED",
          at: ctx.locator.locate(["outputs", i, key], { at: "key" }),
          message: `outputs[${i}].${key} is a 2017 moby cloud-upload setting; ocikit ignores it`,
        });
      }
    }
  });
  if (config.trust !== undefined) {
    out.warnings.push({
      code: "SPEC_TRUST_IGNORED",
      at: ctx.locator.locate(["trust"], { at: "key" }),
      message:
        "trust: is ignored; content trust was removed from LinuxKit in 2021, pin images by digest instead",
    });
  }
  return out;
}

interface Report {
  (code: SpecErrorCode, path: Path, message: string, at?: "key" | "value"): void;
  /** Reports that the mapping at `objectPath` lacks something, unless it lost a key to the schema. */
  missing: (code: SpecErrorCode, objectPath: Path, path: Path, message: string) => void;
}

function checkImageRef(ref: string, path: Path, report: Report): void {
  if (ref.startsWith("@pkg:")) return; // reported once, as SPEC_TEMPLATE_UNSUPPORTED
  const parsed = parseImageRef(ref);
  if (!parsed.ok) report("SPEC_IMAGE_REF", path, parsed.message);
}

function checkContainer(
  entry: ImageEntry,
  path: Path,
  report: Report,
  warnings: SpecWarning[],
  locator: YamlLocator,
): void {
  const at = (...rest: (string | number)[]): Path => [...path, ...rest];
  for (const [plain, what] of [
    ["capabilities", "names"],
    ["binds", "binds"],
  ] as const) {
    if (entry[plain] !== undefined && entry[`${plain}.add`] !== undefined) {
      warnings.push({
        code: "SPEC_ADD_IGNORED",
        at: locator.locate(at(`${plain}.add`), { at: "key" }),
        message: `${plain}.add is ignored because ${plain} is also set: .add only extends the image label's list; put these ${what} in ${plain}, or remove ${plain}`,
      });
    }
  }
  if (entry.name === "" || entry.name === "." || entry.name === ".." || entry.name.includes("/")) {
    report(
      "SPEC_NAME",
      at("name"),
      `container name ${JSON.stringify(entry.name)} cannot name a bundle directory; use letters, digits, "-", "_" or "."`,
    );
  }
  checkImageRef(entry.image, at("image"), report);
  checkCapabilityList(entry.capabilities, at("capabilities"), report, { keywordsAlone: true });
  checkCapabilityList(entry.ambient, at("ambient"), report, { keywordsAlone: true });
  checkCapabilityList(entry["capabilities.add"], at("capabilities.add"), report, { keywordsAlone: true });
  for (const key of ["binds", "binds.add"] as const) {
    entry[key]?.forEach((bind, j) => {
      const parsed = parseBind(bind);
      if (!parsed.ok) report("SPEC_BIND", at(key, j), parsed.message);
    });
  }
  entry.tmpfs?.forEach((tmpfs, j) => {
    const parsed = parseTmpfs(tmpfs);
    if (!parsed.ok) report("SPEC_TMPFS", at("tmpfs", j), parsed.message);
  });
  entry.mounts?.forEach((mount, j) => {
    const parsed = resolveMount(mount);
    if (!parsed.ok) report.missing("SPEC_MOUNT", at("mounts", j), at("mounts", j), parsed.message);
  });
  entry.devices?.forEach((device, j) => {
    checkDevice(device, at("devices", j), report);
  });
  entry.rlimits?.forEach((rlimit, j) => {
    const parsed = parseRlimit(rlimit);
    if (!parsed.ok) report("SPEC_RLIMIT", at("rlimits", j), parsed.message);
  });
  checkNumericId(entry.uid, at("uid"), report);
  checkNumericId(entry.gid, at("gid"), report);
  entry.additionalGids?.forEach((gid, j) => {
    checkNumericId(gid, at("additionalGids", j), report);
  });
}

/** Capability names must be known; `all`/`none` work only as the only element (§1.5). */
function checkCapabilityList(
  list: readonly string[] | undefined,
  path: Path,
  report: Report,
  options: { keywordsAlone: boolean },
): void {
  if (!list) return;
  list.forEach((name, j) => {
    const keyword = capabilityKeyword(name);
    if (keyword !== undefined) {
      if (options.keywordsAlone && list.length > 1) {
        report(
          "SPEC_CAPABILITY_ALL_NONE",
          [...path, j],
          `"${name}" must be the only capability in the list; write [${keyword}] alone or list CAP_* names`,
        );
      }
      return;
    }
    if (!isKnownCapability(name))
      report("SPEC_UNKNOWN_CAPABILITY", [...path, j], `unknown capability "${name}"${capabilityHint(name)}`);
  });
}

function checkDevice(device: DeviceEntry, path: Path, report: Report): void {
  if (device.path === undefined || device.path === "") {
    report.missing(
      "SPEC_DEVICE",
      path,
      path,
      'device is missing "path"; give the device node path, or "all" for every device of a type',
    );
    return;
  }
  const typeText = device.type === undefined ? "none" : JSON.stringify(device.type);
  if (device.path === "all") {
    if (device.type === undefined) {
      report.missing("SPEC_DEVICE", path, [...path, "path"], `device "all" needs type c, b or a, got none`);
    } else if (!DEVICE_RULE_TYPES.has(device.type)) {
      report("SPEC_DEVICE", [...path, "type"], `device "all" needs type c, b or a, got ${typeText}`);
    }
    return;
  }
  if (device.type === undefined) {
    report.missing(
      "SPEC_DEVICE",
      path,
      [...path, "path"],
      `device "${device.path}" needs type c, b, u or p, got none`,
    );
  } else if (!DEVICE_TYPES.has(device.type)) {
    report(
      "SPEC_DEVICE",
      [...path, "type"],
      `device "${device.path}" needs type c, b, u or p, got ${typeText}`,
    );
  }
  for (const key of ["major", "minor"] as const) {
    const value = device[key];
    if (value === undefined)
      report.missing("SPEC_DEVICE", path, [...path, "path"], `device "${device.path}" is missing "${key}"`);
    else if (value < 0)
      report("SPEC_DEVICE", [...path, key], `device "${device.path}" has a negative ${key} number`);
  }
  if (device.mode === undefined) {
    report.missing(
      "SPEC_MODE",
      path,
      [...path, "path"],
      `device "${device.path}" is missing "mode"; give its permissions like "0666"`,
    );
  } else {
    const mode = parseOctalMode(device.mode);
    if (!mode.ok) report("SPEC_MODE", [...path, "mode"], mode.message);
  }
}

function checkNumericId(id: IdValue | undefined, path: Path, report: Report): void {
  if (typeof id === "number" && (id < 0 || id > MAX_ID)) {
    report("SPEC_ID_RANGE", path, `id ${id} is out of range; uids and gids are 0 to ${MAX_ID}`);
  }
}

function checkDuplicateServices(services: readonly ImageEntry[], ctx: CheckContext, report: Report): void {
  const seen = new Map<string, number>();
  services.forEach((service, i) => {
    if (ctx.incomplete.has(service)) return;
    const first = seen.get(service.name);
    if (first === undefined) {
      seen.set(service.name, i);
      return;
    }
    const firstPos = ctx.locator.locate(["services", first, "name"]);
    report(
      "SPEC_DUPLICATE_SERVICE",
      ["services", i, "name"],
      `duplicate service name "${service.name}" (first used at line ${firstPos.line})${SERVICES_UNIQUE}`,
    );
  });
}

/** The `files` rules of §1.7. */
function checkFile(
  file: FileEntry,
  path: Path,
  report: Report,
  warnings: SpecWarning[],
  locator: YamlLocator,
): void {
  const at = (key: string): Path => [...path, key];
  if (file.path === undefined || file.path === "") {
    report.missing("SPEC_FILE_NO_PATH", path, path, 'file entry has no "path"; every entry needs one');
  }
  const name = file.path ?? "";
  const sources = (["contents", "source", "metadata"] as const).filter((k) => file[k] !== undefined);
  if (file.directory === true) {
    for (const key of sources) {
      report(
        "SPEC_FILE_CONTENTS",
        at(key),
        `directory "${name}" cannot have ${key}; a directory entry has no contents`,
        "key",
      );
    }
    if (file.symlink !== undefined) {
      warnings.push({
        code: "SPEC_FILE_FIELD_IGNORED",
        at: locator.locate(at("symlink"), { at: "key" }),
        message: `file "${name}" is both a directory and a symlink; the directory wins and symlink is ignored, as in LinuxKit`,
      });
    }
  } else if (file.symlink !== undefined) {
    for (const key of sources) {
      if (key === "contents") {
        warnings.push({
          code: "SPEC_FILE_FIELD_IGNORED",
          at: locator.locate(at(key), { at: "key" }),
          message: `symlink "${name}" has contents, which are ignored; remove contents, or remove symlink to make a regular file`,
        });
      } else {
        report(
          "SPEC_FILE_CONTENTS",
          at(key),
          `symlink "${name}" cannot have ${key}; a symlink has only a target`,
          "key",
        );
      }
    }
  } else if (sources.length === 0) {
    report.missing(
      "SPEC_FILE_CONTENTS",
      path,
      path,
      `contents of file "${name}" not specified; give one of contents, source or metadata (or directory: true, or symlink)`,
    );
  } else if (sources.length > 1) {
    report(
      "SPEC_FILE_CONTENTS",
      at(sources[1] ?? "contents"),
      `file "${name}" has both ${sources[0]} and ${sources[1]}; give exactly one of contents, source or metadata`,
      "key",
    );
  }
  if (file.metadata !== undefined && !METADATA_TYPES.has(file.metadata)) {
    report(
      "SPEC_FILE_METADATA",
      at("metadata"),
      `unsupported metadata type "${file.metadata}"; expected "yaml" or "json"`,
    );
  }
  // An empty mode means the default (0600, 0700 for directories), as in LinuxKit's filesystem().
  if (file.mode !== undefined && file.mode !== "") {
    const mode = parseOctalMode(file.mode);
    if (!mode.ok) report("SPEC_MODE", at("mode"), mode.message);
  }
  checkNumericId(file.uid, at("uid"), report);
  checkNumericId(file.gid, at("gid"), report);
}

function checkVolumes(volumes: readonly VolumeEntry[], ctx: CheckContext, report: Report): void {
  const seen = new Map<string, number>();
  volumes.forEach((volume, i) => {
    if (ctx.incomplete.has(volume)) return;
    if (!VOLUME_NAME.test(volume.name)) {
      report(
        "SPEC_VOLUME_NAME",
        ["volumes", i, "name"],
        `invalid volume name "${volume.name}"; use only a-z, 0-9, "_" and "-"`,
      );
    }
    const first = seen.get(volume.name);
    if (first !== undefined) {
      const firstPos = ctx.locator.locate(["volumes", first, "name"]);
      report(
        "SPEC_DUPLICATE_VOLUME",
        ["volumes", i, "name"],
        `duplicate volume name "${volume.name}" (first used at line ${firstPos.line})`,
      );
    } else {
      seen.set(volume.name, i);
    }
    if (volume.image !== undefined) checkImageRef(volume.image, ["volumes", i, "image"], report);
    volume.platforms?.forEach((platform, j) => {
      if (!/^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/.test(platform)) {
        report(
          "SPEC_BAD_VALUE",
          ["volumes", i, "platforms", j],
          `platform "${platform}" is not os/architecture[/variant], e.g. linux/amd64`,
        );
      }
    });
  });
}
