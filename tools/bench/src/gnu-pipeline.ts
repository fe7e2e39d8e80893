/**
 * The GNU-tools baseline of the build benchmark: one shell script that does with stock tools what
 * an image builder does — untar each image's gzip layers into a tree (on tmpfs), laid out as
 * LinuxKit lays out the root filesystem (linuxkit-reference.md §3.1: kernel.tar and the init images
 * at `/`, each container's image under `containers/onboot|services/NAME/lower`, unpacked once per
 * image, `config.json`/`runtime.json` and the `files` entries), then archive it:
 * `find . | cpio -o -H newc | gzip -6` (or `pigz -6`) for an initrd, `tar -cf` for the tar format.
 * Leaves out the SBOM, LinuxKit's PAX records and the real bundle configs (a placeholder stands in).
 */

/** A container bundle of the tree. */
export interface GnuBundle {
  /** `containers/onboot/000-sysctl`. */
  readonly path: string;
  /** Its image's layer blobs, base first; empty when an earlier bundle unpacked the same image. */
  readonly layers: readonly string[];
}

/** What the tree is made of. */
export interface GnuTreeSpec {
  /** The kernel image's layer blobs; they hold `kernel` and `kernel.tar`. */
  readonly kernelLayers: readonly string[];
  /** Every init image's layer blobs, in order. */
  readonly initLayers: readonly string[];
  readonly bundles: readonly GnuBundle[];
  readonly files: readonly { readonly path: string; readonly contents: string; readonly mode: number }[];
  readonly cmdline: string;
}

/** What the script ends with: a gzip or pigz initrd (plus the kernel beside it), or a tar. */
export type GnuArchive = "cpio-gzip" | "cpio-pigz" | "tar";

/** Where the script works and writes. */
export interface GnuPipelinePaths {
  /** The tree (created; on tmpfs). */
  readonly tree: string;
  /** Where the kernel image's layers are unpacked (created; on tmpfs). */
  readonly stage: string;
  /** The initrd or tar written. */
  readonly output: string;
  /** The kernel written beside the initrd (cpio archives only). */
  readonly kernel: string;
}

// Stands in for LinuxKit's generated config.json and runtime.json (a few KB each).
const PLACEHOLDER_JSON = '{"ociVersion":"1.0.2-dev","process":{"args":["/bin/sh"]}}\n';

/** `'text'` for sh, with embedded quotes escaped. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

const untar = (layer: string, dir: string) => `tar -xzf ${shellQuote(layer)} -C ${shellQuote(dir)}`;

/**
 * The baseline as one `sh` script (`set -e`).
 * @example
 * ```ts
 * await execFile("sh", ["-c", gnuPipelineScript(spec, "cpio-gzip", paths)]);
 * ```
 */
export function gnuPipelineScript(spec: GnuTreeSpec, archive: GnuArchive, paths: GnuPipelinePaths): string {
  const q = shellQuote;
  const tree = (path: string) => q(`${paths.tree}/${path}`);
  const lines = ["set -e", `mkdir -p ${q(paths.tree)} ${q(paths.stage)}`];
  for (const layer of spec.kernelLayers) lines.push(untar(layer, paths.stage));
  lines.push(`tar -xf ${q(`${paths.stage}/kernel.tar`)} -C ${q(paths.tree)}`);
  if (archive === "tar") {
    // The tar format keeps the kernel and command line in the tree, as LinuxKit's does.
    lines.push(
      `mkdir -p ${tree("boot")}`,
      `cp ${q(`${paths.stage}/kernel`)} ${tree("boot/kernel")}`,
      `printf '%s' ${q(spec.cmdline)} > ${tree("boot/cmdline")}`,
    );
  } else {
    lines.push(`cp ${q(`${paths.stage}/kernel`)} ${q(paths.kernel)}`);
  }
  for (const layer of spec.initLayers) lines.push(untar(layer, paths.tree));
  for (const bundle of spec.bundles) {
    const lower = `${bundle.path}/lower`;
    lines.push(`mkdir -p ${tree(lower)} ${tree(`${bundle.path}/tmp`)} ${tree(`${bundle.path}/rootfs`)}`);
    for (const layer of bundle.layers) lines.push(untar(layer, `${paths.tree}/${lower}`));
    for (const name of ["config.json", "runtime.json"])
      lines.push(`printf '%s' ${q(PLACEHOLDER_JSON)} > ${tree(`${bundle.path}/${name}`)}`);
  }
  for (const file of spec.files) {
    const parent = file.path.split("/").slice(0, -1).join("/");
    if (parent) lines.push(`mkdir -p ${tree(parent)}`);
    lines.push(
      `printf '%s' ${q(file.contents)} > ${tree(file.path)}`,
      `chmod ${file.mode.toString(8)} ${tree(file.path)}`,
    );
  }
  if (archive === "tar") lines.push(`tar -cf ${q(paths.output)} -C ${q(paths.tree)} .`);
  else
    lines.push(
      `cd ${q(paths.tree)}`,
      `find . | cpio -o -H newc --quiet | ${archive === "cpio-pigz" ? "pigz" : "gzip"} -6 > ${q(paths.output)}`,
    );
  return `${lines.join("\n")}\n`;
}
