import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { emptyBody, entryFromBytes, type FsEntry } from "@ocikit/fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOOTLOADER_FILE_PATHS, type BootloaderFileName, findBootloaderFiles } from "./bootloader-files.js";

// The real files, from Debian's isolinux, syslinux-common and systemd-boot-efi on this machine.
const X86_NAMES = ["isolinux.bin", "ldlinux.c32", "isohdpfx.bin", "linuxx64.efi.stub"] as const;
const real = new Map<BootloaderFileName, Uint8Array>();

const header = { type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 } as const;
async function* entries(...list: FsEntry[]): AsyncIterable<FsEntry> {
  yield* list;
}
const imageFile = (name: BootloaderFileName, data = real.get(name)!) =>
  entryFromBytes({ ...header, path: BOOTLOADER_FILE_PATHS[name].slice(1) }, data);

describe("findBootloaderFiles", () => {
  let dir: string;
  let emptyRoot: string;
  beforeAll(async () => {
    for (const name of X86_NAMES) real.set(name, new Uint8Array(await readFile(BOOTLOADER_FILE_PATHS[name])));
    dir = await mkdtemp(join(tmpdir(), "ocikit-bootloader-"));
    emptyRoot = join(dir, "empty");
    await mkdir(emptyRoot);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("finds Debian's four files on this machine and checks them", async () => {
    const files = await findBootloaderFiles({ names: X86_NAMES });
    for (const name of X86_NAMES) {
      expect(files[name]).toMatchObject({ name, source: "host", path: BOOTLOADER_FILE_PATHS[name] });
      expect(Buffer.from(files[name].data).equals(Buffer.from(real.get(name)!))).toBe(true);
    }
    expect(files["isohdpfx.bin"].data.length).toBe(432);
  });

  it("takes files from the image first, the rest from the host, reading only the bodies it needs", async () => {
    const hostRoot = join(dir, "host");
    await mkdir(dirname(join(hostRoot, BOOTLOADER_FILE_PATHS["isohdpfx.bin"])), { recursive: true });
    await copyFile(
      BOOTLOADER_FILE_PATHS["isohdpfx.bin"],
      join(hostRoot, BOOTLOADER_FILE_PATHS["isohdpfx.bin"]),
    );
    let unrelatedBodyRead = false;
    const unrelated: FsEntry = {
      ...header,
      path: "usr/bin/big",
      size: 1,
      body() {
        unrelatedBodyRead = true;
        return emptyBody();
      },
    };
    const files = await findBootloaderFiles({
      names: ["isolinux.bin", "isohdpfx.bin"],
      entries: entries(unrelated, imageFile("isolinux.bin")),
      hostRoot,
    });
    expect(files["isolinux.bin"]).toMatchObject({ source: "image", path: "/usr/lib/ISOLINUX/isolinux.bin" });
    expect(files["isohdpfx.bin"]).toMatchObject({
      source: "host",
      path: join(hostRoot, "usr/lib/ISOLINUX/isohdpfx.bin"),
    });
    expect(unrelatedBodyRead).toBe(false);
  });

  it("names what is missing, where it looked and both ways to supply it (ISO_BOOT_FILE)", async () => {
    const error = await findBootloaderFiles({
      names: X86_NAMES,
      entries: entries(),
      hostRoot: emptyRoot,
    }).catch((e) => e);
    expect(error).toMatchObject({ code: "ISO_BOOT_FILE" });
    expect(error.message).toContain("--bootloader-image REF");
    expect(error.message).toContain('"apt-get install isolinux syslinux-common systemd-boot-efi"');
    expect(error.message).toContain("/usr/lib/syslinux/modules/bios/ldlinux.c32");
  });

  it("does not look on the host when hostRoot is null", async () => {
    await expect(findBootloaderFiles({ names: ["isohdpfx.bin"], hostRoot: null })).rejects.toMatchObject({
      code: "ISO_BOOT_FILE",
    });
  });

  it.each([
    ["an isohdpfx.bin of 440 bytes", "isohdpfx.bin", new Uint8Array(440)],
    ["an isolinux.bin that is not ISOLINUX", "isolinux.bin", new Uint8Array(4096).fill(0xfa)],
    ["an ldlinux.c32 that is not ELF", "ldlinux.c32", new Uint8Array(4096)],
    ["a stub that is not a PE image", "linuxx64.efi.stub", new Uint8Array(4096)],
    ["an x86_64 stub asked for as the aarch64 one", "linuxaa64.efi.stub", undefined],
  ] as const)("refuses %s from the image with ISO_BOOT_FILE", async (_name, name, data) => {
    const bytes = data ?? real.get("linuxx64.efi.stub")!;
    const entry = entryFromBytes({ ...header, path: BOOTLOADER_FILE_PATHS[name].slice(1) }, bytes);
    await expect(
      findBootloaderFiles({ names: [name], entries: entries(entry), hostRoot: null }),
    ).rejects.toMatchObject({
      code: "ISO_BOOT_FILE",
    });
  });

  it("refuses a file on the host that is not what it must be, rather than falling back", async () => {
    const hostRoot = join(dir, "bad-host");
    const path = join(hostRoot, BOOTLOADER_FILE_PATHS["isohdpfx.bin"]);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, "short");
    const error = await findBootloaderFiles({ names: ["isohdpfx.bin"], hostRoot }).catch((e) => e);
    expect(error).toMatchObject({ code: "ISO_BOOT_FILE" });
    expect(error.message).toContain("reinstall isolinux");
  });

  it("refuses a symlink at the file's path in the image with ISO_BOOT_FILE", async () => {
    const link: FsEntry = {
      ...header,
      type: "symlink",
      size: 0,
      linkTarget: "../x",
      path: "usr/lib/ISOLINUX/isohdpfx.bin",
      body: emptyBody,
    };
    await expect(
      findBootloaderFiles({ names: ["isohdpfx.bin"], entries: entries(link) }),
    ).rejects.toMatchObject({
      code: "ISO_BOOT_FILE",
    });
  });

  it("takes the last entry for a path, as a flattened image means it", async () => {
    const files = await findBootloaderFiles({
      names: ["isohdpfx.bin"],
      entries: entries(imageFile("isohdpfx.bin", new Uint8Array(10)), imageFile("isohdpfx.bin")),
      hostRoot: null,
    });
    expect(files["isohdpfx.bin"].data.length).toBe(432);
  });
});
