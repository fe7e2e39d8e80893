/**
 * The images of the build benchmark's workload (issue 4), of the shape docs/performance.md
 * describes: an OCI layout with a kernel image (Debian's vmlinuz as `/kernel`, ~150 MB of its
 * modules as `/kernel.tar`, LinuxKit's kernel-image layout), an init image (busybox, runc,
 * containerd), an sshd image with LinuxKit's config label, and a small busybox image for five
 * containers (the system using them is in workload-config.ts).
 * Layers are Debian packages as `dpkg-deb -x` unpacks them (no maintainer scripts), less their
 * docs, written by GNU tar through `buildLayout`. The .debs (`apt-get download`, network to the
 * Debian mirror only) and the built layout are cached in `~/.cache/ocikit-bench`.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { IMAGE_DEFINITIONS, SSHD_LIBRARY_PACKAGES } from "@ocikit/test-images";
import { type BuiltImage, buildLayout, LARGE_IMAGE_DEFAULTS, type LayerSpec } from "@ocikit/test-registry";
import { shellQuote } from "./gnu-pipeline.js";

const run = promisify(execFile);

/** The roles of the workload's images. */
export type WorkloadRole = "kernel" | "init" | "sshd" | "busybox";

/** Each role's name in the layout. */
export const WORKLOAD_IMAGE_NAMES: Readonly<Record<WorkloadRole, string>> = {
  kernel: "bench/kernel:6.1",
  init: "bench/init:1",
  sshd: "bench/sshd:1",
  busybox: "bench/busybox:1",
};

/** The built workload. */
export interface BuildWorkload {
  /** The OCI layout (in the cache: don't modify). */
  readonly layoutDir: string;
  /** `oci:LAYOUT:NAME` by role. */
  readonly refs: Readonly<Record<WorkloadRole, string>>;
  readonly images: Readonly<Record<WorkloadRole, BuiltImage>>;
  /** The kernel release, the directory under /lib/modules. */
  readonly kernelRelease: string;
  readonly kernelTarBytes: number;
  /** The .deb files the images are made of. */
  readonly debs: readonly string[];
}

/** Where one image role's layers come from: a blob path for each, base first. */
export function layerBlobPaths(workload: BuildWorkload, role: WorkloadRole): string[] {
  return (workload.images[role].manifests[0]?.layers ?? []).map((layer) =>
    join(workload.layoutDir, "blobs", "sha256", layer.digest.slice("sha256:".length)),
  );
}

// The module trees of the kernel image: ~150 MB of the package's 400 MB, as LinuxKit's kernel.tar
// holds (it builds most drivers in).
const MODULE_TREES = ["drivers/net", "drivers/gpu", "drivers/scsi", "drivers/infiniband"];
const MODULE_FILES = ["modules.order", "modules.builtin", "modules.builtin.modinfo"];

const KERNEL_METAPACKAGE = "linux-image-amd64";
const INIT_RUNC_PACKAGES = ["runc", "libseccomp2", "libc6"];
const INIT_CONTAINERD_PACKAGES = ["containerd"];
// openssh-server 9.2 and what sshd and ssh-keygen link against on Debian 12 (as the test image).
const SSHD_PACKAGES = ["openssh-server", "openssh-client", ...SSHD_LIBRARY_PACKAGES];
// Trimmed as slim images are: what nothing runs.
const PRUNED_DIRS = [
  "usr/share/doc",
  "usr/share/man",
  "usr/share/lintian",
  "usr/share/locale",
  "usr/share/bug",
];
const PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const MTIME = 1_700_000_000;
// Bump when the way the layout is built changes, so cached layouts are rebuilt.
const BUILDER_VERSION = 1;

/** The newest cached .deb of `name` in `debsDir`, if any. */
async function cachedDeb(debsDir: string, name: string): Promise<string | undefined> {
  const found = (await readdir(debsDir)).filter((f) => f.startsWith(`${name}_`) && f.endsWith(".deb")).sort();
  return found.length > 0 ? join(debsDir, found.at(-1) ?? "") : undefined;
}

/** The cached .deb of each package, fetching the missing ones with one `apt-get download`. */
async function fetchDebs(names: readonly string[], debsDir: string): Promise<Map<string, string>> {
  const missing: string[] = [];
  for (const name of new Set(names)) if (!(await cachedDeb(debsDir, name))) missing.push(name);
  if (missing.length > 0) {
    // apt-get writes into its working directory: download aside, then rename, so a reader never
    // sees half a file.
    const scratch = await mkdtemp(join(debsDir, ".download-"));
    try {
      await run("apt-get", ["download", ...missing], { cwd: scratch }).catch((error: unknown) => {
        throw new Error(
          `apt-get download ${missing.join(" ")}: failed; run "apt-get update" (as root) if the package lists are missing`,
          { cause: error },
        );
      });
      for (const file of await readdir(scratch)) await rename(join(scratch, file), join(debsDir, file));
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  const debs = new Map<string, string>();
  for (const name of new Set(names)) {
    const deb = await cachedDeb(debsDir, name);
    if (!deb) throw new Error(`apt-get download ${name}: no ${name}_*.deb in ${debsDir} afterwards`);
    debs.set(name, deb);
  }
  return debs;
}

/** The package a metapackage stands for: `linux-image-6.1.0-56-amd64` for `linux-image-amd64`. */
async function metapackageTarget(deb: string): Promise<string> {
  const { stdout } = await run("dpkg-deb", ["--field", deb, "Depends"]);
  const match = /^\s*([a-z0-9][a-z0-9+.-]*)/.exec(stdout);
  if (!match?.[1]) throw new Error(`${deb}: Depends is "${stdout.trim()}"; expected a kernel metapackage`);
  return match[1];
}

/** Unpacks `debs` into `tree`, less the pruned directories. */
async function unpackDebs(debs: readonly string[], tree: string): Promise<void> {
  await mkdir(tree, { recursive: true });
  for (const deb of debs) await run("dpkg-deb", ["-x", deb, tree]);
  for (const dir of PRUNED_DIRS) await rm(join(tree, dir), { recursive: true, force: true });
}

/** Static busybox with its applet links (to /bin/busybox) and a base image's directories. */
async function stageBusybox(deb: string, tree: string): Promise<void> {
  await unpackDebs([deb], tree);
  const { stdout } = await run(join(tree, "bin", "busybox"), ["--list-full"]);
  for (const applet of stdout.split("\n").filter((a) => a.includes("/") && a !== "bin/busybox")) {
    await mkdir(dirname(join(tree, applet)), { recursive: true });
    await symlink("/bin/busybox", join(tree, applet));
  }
  for (const dir of ["dev", "etc", "proc", "root", "run", "sys", "tmp", "var"])
    await mkdir(join(tree, dir), { recursive: true });
}

/**
 * LinuxKit's kernel image: `kernel` (the vmlinuz) and `kernel.tar` (`./lib/modules/RELEASE/…`) of
 * {@link MODULE_TREES}. Returns the release and kernel.tar's size.
 */
async function stageKernel(
  deb: string,
  work: string,
  tree: string,
): Promise<{ release: string; tarBytes: number }> {
  const release = /^linux-image-(.+?)_/.exec(deb.slice(dirname(deb).length + 1))?.[1];
  if (!release) throw new Error(`${deb}: not a linux-image-RELEASE package`);
  const src = join(work, "kernel-src");
  await mkdir(src, { recursive: true });
  const modules = `./lib/modules/${release}`;
  const members = [
    `./boot/vmlinuz-${release}`,
    ...MODULE_TREES.map((t) => `${modules}/kernel/${t}`),
    ...MODULE_FILES.map((f) => `${modules}/${f}`),
  ];
  await run("sh", [
    "-c",
    `dpkg-deb --fsys-tarfile ${shellQuote(deb)} | tar -x -C ${shellQuote(src)} ${members.map(shellQuote).join(" ")}`,
  ]);
  await mkdir(tree, { recursive: true });
  await copyFile(join(src, "boot", `vmlinuz-${release}`), join(tree, "kernel"));
  await rm(join(src, "boot"), { recursive: true });
  const kernelTar = join(tree, "kernel.tar");
  await run("tar", [
    "--create",
    `--file=${kernelTar}`,
    "--format=ustar",
    "--sort=name",
    "--numeric-owner",
    "--owner=0",
    "--group=0",
    `--mtime=@${MTIME}`,
    `--directory=${src}`,
    ".",
  ]);
  return { release, tarBytes: (await stat(kernelTar)).size };
}

interface CacheRecord {
  readonly images: Record<WorkloadRole, BuiltImage>;
  readonly kernelRelease: string;
  readonly kernelTarBytes: number;
  readonly debs: readonly string[];
}

function toWorkload(layoutDir: string, record: CacheRecord): BuildWorkload {
  const refs = Object.fromEntries(
    Object.entries(WORKLOAD_IMAGE_NAMES).map(([role, name]) => [role, `oci:${layoutDir}:${name}`]),
  ) as Record<WorkloadRole, string>;
  return { layoutDir, refs, ...record };
}

/** Builds the images from the unpacked trees into the layout `staged`. */
async function buildWorkloadLayout(work: string, debs: ReadonlyMap<string, string>, staged: string) {
  const deb = (name: string) => debs.get(name) ?? "";
  const busybox = join(work, "busybox");
  await stageBusybox(deb("busybox-static"), busybox);
  await unpackDebs(INIT_RUNC_PACKAGES.map(deb), join(work, "runc"));
  await unpackDebs(INIT_CONTAINERD_PACKAGES.map(deb), join(work, "containerd"));
  await unpackDebs(SSHD_PACKAGES.map(deb), join(work, "sshd"));
  await mkdir(join(work, "sshd", "etc", "ssh"), { recursive: true });
  const kernelDeb = [...debs.values()].find((d) => /\/linux-image-\d/.test(d)) ?? "";
  const kernel = await stageKernel(kernelDeb, work, join(work, "kernel"));

  const layer = (name: string): LayerSpec => ({ directory: join(work, name), mtime: MTIME });
  const busyboxLayer = layer("busybox");
  const layout = await buildLayout({
    dir: staged,
    images: [
      { name: WORKLOAD_IMAGE_NAMES.kernel, layers: [layer("kernel")] },
      {
        name: WORKLOAD_IMAGE_NAMES.init,
        layers: [busyboxLayer, layer("runc"), layer("containerd")],
        config: { Env: [PATH_ENV] },
      },
      {
        name: WORKLOAD_IMAGE_NAMES.sshd,
        layers: [busyboxLayer, layer("sshd")],
        config: {
          Cmd: ["/usr/sbin/sshd", "-D", "-e"],
          Env: [PATH_ENV],
          Labels: { "org.mobyproject.config": JSON.stringify(IMAGE_DEFINITIONS.sshd.label) },
        },
      },
      {
        name: WORKLOAD_IMAGE_NAMES.busybox,
        layers: [busyboxLayer],
        config: { Cmd: ["/bin/sh"], Env: [PATH_ENV] },
      },
    ],
  });
  const images = Object.fromEntries(
    Object.entries(WORKLOAD_IMAGE_NAMES).map(([role, name]) => [role, layout.image(name)]),
  ) as Record<WorkloadRole, BuiltImage>;
  return { images, kernel };
}

/**
 * Builds (or finds in the cache) the workload's OCI layout. The first call downloads ~120 MB of
 * .debs and takes a minute or two; later calls return at once.
 * @example
 * ```ts
 * const workload = await buildBenchWorkload();
 * await writeFile("bench.yml", generateBuildYaml(workload.refs, { motd: "hi\n" }));
 * ```
 */
export async function buildBenchWorkload(options: { cacheDir?: string } = {}): Promise<BuildWorkload> {
  const cacheDir = options.cacheDir ?? LARGE_IMAGE_DEFAULTS.cacheDir();
  const debsDir = join(cacheDir, "debs");
  await mkdir(debsDir, { recursive: true });
  const meta = await fetchDebs([KERNEL_METAPACKAGE], debsDir);
  const kernelPackage = await metapackageTarget(meta.get(KERNEL_METAPACKAGE) ?? "");
  const names = [
    "busybox-static",
    ...INIT_RUNC_PACKAGES,
    ...INIT_CONTAINERD_PACKAGES,
    ...SSHD_PACKAGES,
    kernelPackage,
  ];
  const debs = await fetchDebs(names, debsDir);
  const debNames = [...debs.values()].map((d) => d.slice(debsDir.length + 1)).sort();
  const key = createHash("sha256")
    .update(JSON.stringify({ debNames, MODULE_TREES, BUILDER_VERSION }))
    .digest("hex")
    .slice(0, 16);
  // No ":" in the path: it ends at the first one in an oci:PATH:NAME reference.
  const layoutDir = join(cacheDir, `build-workload-${key}`);
  const recordPath = join(layoutDir, "ocikit-build-workload.json");
  const existing = await readFile(recordPath, "utf8").catch(() => undefined); // absent: not built yet
  if (existing !== undefined) return toWorkload(layoutDir, JSON.parse(existing) as CacheRecord);

  const work = await mkdtemp(join(cacheDir, ".build-workload-"));
  try {
    const staged = join(work, "layout");
    const { images, kernel } = await buildWorkloadLayout(work, debs, staged);
    const record: CacheRecord = {
      images,
      kernelRelease: kernel.release,
      kernelTarBytes: kernel.tarBytes,
      debs: debNames,
    };
    await writeFile(join(staged, "ocikit-build-workload.json"), JSON.stringify(record, null, 2));
    // Publish whole; when another run got there first, its identical layout wins.
    await rename(staged, layoutDir).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
    return toWorkload(layoutDir, record);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
