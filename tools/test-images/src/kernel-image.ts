/**
 * The kernel image's tree, in the shape of LinuxKit's kernel images (linuxkit-reference.md §3.2):
 * `/kernel` is Debian's vmlinuz (a bzImage), `/kernel.tar` a tar whose members start with `./`
 * (`./lib/modules/RELEASE/kernel/…ko` and `modules.dep`) holding only {@link KERNEL_MODULES} and
 * their dependencies. Debian builds virtio, overlay, 9p, iso9660, squashfs and the disk drivers as
 * modules; the test init loads every module of modules.dep at boot. Only the members needed are
 * unpacked from the 70 MB package: its file list first, then the modules a round at a time, reading
 * each one's `depends=` to know the next round.
 */
import { chmod, copyFile, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { extractDebMembers, listDeb } from "./debian-packages.js";
import { readModinfo } from "./elf.js";
import { TestImagesError } from "./errors.js";
import { makeDir } from "./image-tree.js";
import { formatModulesDep, type KernelModule, moduleClosure, moduleName } from "./kernel-modules.js";
import { runCommand } from "./run-command.js";

/**
 * The modules the tests need: virtio PCI and network (qemu's `virtio-net-pci`), block and SCSI
 * disks, the entropy device, overlay (read-write containers), 9p over virtio (shared folders),
 * iso9660 on an IDE/AHCI CD-ROM (`sr_mod`, `ata_piix`, `ahci`), SCSI disks and squashfs.
 * AF_PACKET, which udhcpc needs, is built in.
 */
export const KERNEL_MODULES = [
  "virtio_pci",
  "virtio_net",
  "virtio_blk",
  "virtio_scsi",
  "virtio_rng",
  "overlay",
  "9p",
  "9pnet_virtio",
  "isofs",
  "sr_mod",
  "sd_mod",
  "ata_piix",
  "ahci",
  "squashfs",
] as const;

/** The staged kernel image. */
export interface StagedKernel {
  /** The kernel release, `6.1.0-56-amd64`: the directory under /lib/modules. */
  readonly release: string;
  /** The modules in kernel.tar, sorted by path. */
  readonly modules: readonly KernelModule[];
}

/** Options of {@link stageKernelImage}. */
export interface StageKernelOptions {
  /** The linux-image .deb. */
  readonly deb: string;
  /** An empty scratch directory. */
  readonly work: string;
  /** Where the image's files go (`kernel`, `kernel.tar`). */
  readonly dest: string;
  /** Modification time of kernel.tar's members, seconds. */
  readonly mtime: number;
  readonly signal?: AbortSignal;
}

/** Unpacks `wanted` modules and everything they need, round by round; returns them all by name. */
async function unpackModules(
  options: StageKernelOptions,
  release: string,
  members: readonly string[],
): Promise<Map<string, KernelModule>> {
  const prefix = `./lib/modules/${release}/`;
  const memberByName = new Map(
    members
      .filter((member) => member.startsWith(`${prefix}kernel/`) && member.endsWith(".ko"))
      .map((member) => [moduleName(member), member]),
  );
  const modules = new Map<string, KernelModule>();
  let round: string[] = [...KERNEL_MODULES];
  while (round.length > 0) {
    const missing = round.filter((name) => !memberByName.has(name));
    if (missing.length > 0)
      throw new TestImagesError(
        "TEST_IMAGES_DEPENDENCY_MISSING",
        `kernel modules ${missing.join(", ")}: not in ${options.deb}; built in, or named differently?`,
      );
    const paths = round.map((name) => memberByName.get(name) ?? "");
    await extractDebMembers(options.deb, options.work, paths, options.signal);
    const next = new Set<string>();
    for (const [index, name] of round.entries()) {
      const member = paths[index] ?? "";
      const info = readModinfo(await readFile(join(options.work, member)), member);
      const depends = (info.get("depends")?.[0] ?? "").split(",").filter(Boolean).map(moduleName);
      modules.set(name, { name, path: member.slice(prefix.length), depends });
      for (const dependency of depends) if (!modules.has(dependency)) next.add(dependency);
    }
    round = [...next].filter((name) => !modules.has(name)).sort();
  }
  return modules;
}

/**
 * Stages the kernel image from the linux-image package into `dest`: `kernel` (0644) and `kernel.tar`.
 * @throws {TestImagesError} `TEST_IMAGES_PACKAGE` (no vmlinuz), `TEST_IMAGES_DEPENDENCY_MISSING` (a module), tool failures
 */
export async function stageKernelImage(options: StageKernelOptions): Promise<StagedKernel> {
  const members = await listDeb(options.deb, options.signal);
  const vmlinuz = members.find((member) => /^\.\/boot\/vmlinuz-/.test(member));
  if (!vmlinuz)
    throw new TestImagesError(
      "TEST_IMAGES_PACKAGE",
      `${options.deb}: no ./boot/vmlinuz-*; expected a linux-image package`,
    );
  const release = vmlinuz.slice("./boot/vmlinuz-".length);
  await extractDebMembers(options.deb, options.work, [vmlinuz], options.signal);
  const byName = await unpackModules(options, release, members);
  const modules = moduleClosure(KERNEL_MODULES, byName);

  await makeDir(options.dest, ".");
  await copyFile(join(options.work, vmlinuz), join(options.dest, "kernel"));
  await chmod(join(options.dest, "kernel"), 0o644);

  // The modules tree, then kernel.tar from it: "./", "./lib/", … "./lib/modules/R/modules.dep".
  const tree = join(options.work, "kernel-tar");
  const moduleDir = `lib/modules/${release}`;
  await makeDir(tree, ".");
  await makeDir(tree, moduleDir);
  for (const module of modules) {
    const to = join(moduleDir, module.path);
    await makeDir(tree, join(to, ".."));
    await copyFile(join(options.work, `./lib/modules/${release}`, module.path), join(tree, to));
    await chmod(join(tree, to), 0o644);
  }
  await writeFile(join(tree, moduleDir, "modules.dep"), formatModulesDep(modules));
  await chmod(join(tree, moduleDir, "modules.dep"), 0o644);
  await runCommand(
    "tar",
    [
      "--create",
      `--file=${join(options.dest, "kernel.tar")}`,
      "--format=ustar",
      "--sort=name",
      "--numeric-owner",
      "--owner=0",
      "--group=0",
      `--mtime=@${options.mtime}`,
      `--directory=${tree}`,
      ".",
    ],
    { signal: options.signal },
  );
  await chmod(join(options.dest, "kernel.tar"), 0o644);
  return { release, modules };
}
