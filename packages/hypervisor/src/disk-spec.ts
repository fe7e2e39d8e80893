/**
 * `--disk [file=]PATH[,size=N[M|G]][,format=F]`, LinuxKit's disk flag (reference §6, `Disks.Set` in
 * `run.go`): comma-separated parts, each `key=value` or a bare path; `size` is in GiB unless it ends
 * in M or G. Repeatable; the disks are resolved to files by `resolveDisks`.
 */
import { HypervisorError } from "./errors.js";
import { parseSizeMiB } from "./size-mib.js";
import type { DiskSpec } from "./types.js";

const FORM = "[file=]PATH[,size=N[M|G]][,format=F]";

/**
 * Parses one `--disk` value.
 * @throws HV_BAD_OPTION quoting the value and the expected form
 * @example
 * ```ts
 * parseDiskSpec("size=512M");                  // { sizeMiB: 512 }: <state>/disk.img, created as qcow2
 * parseDiskSpec("file=data.img,format=raw");   // { path: "data.img", format: "raw" }
 * ```
 */
export function parseDiskSpec(value: string): DiskSpec {
  const bad = (what: string) =>
    new HypervisorError("HV_BAD_OPTION", `--disk "${value}": ${what}; expected ${FORM}`);
  if (value.trim() === "") throw bad("empty");
  const spec: { path?: string; sizeMiB?: number; format?: string } = {};
  const seen = new Set<string>();
  for (const part of value.split(",")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? "file" : part.slice(0, eq);
    const text = eq < 0 ? part : part.slice(eq + 1);
    if (seen.has(key)) throw bad(`"${key}" given twice`);
    seen.add(key);
    switch (key) {
      case "file":
        if (text === "") throw bad("empty path");
        spec.path = text;
        break;
      case "size": {
        const sizeMiB = parseSizeMiB(text, "G");
        if (sizeMiB === undefined)
          throw bad(`size "${text}" is not a positive whole number of GiB, or of MiB with M`);
        spec.sizeMiB = sizeMiB;
        break;
      }
      case "format":
        // A qemu format name; anything else would leak into qemu's -drive option string.
        if (!/^[a-z0-9_-]+$/.test(text))
          throw bad(`format "${text}" is not a qemu image format such as qcow2 or raw`);
        spec.format = text;
        break;
      default:
        throw bad(`unknown key "${key}"`);
    }
  }
  if (spec.path === undefined && spec.sizeMiB === undefined) throw bad("neither a path nor a size");
  return spec;
}
