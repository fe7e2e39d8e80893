/**
 * The pipeline on synthetic images (built with GNU tar by @ocikit/test-registry into an OCI
 * layout, referenced as `oci:DIR:NAME`): the layout of linuxkit-reference.md §3.14's worked example,
 * the initrd's tree equal to the tar's minus the boot files, byte-identical rebuilds, the section
 * cache (an edited files entry rebuilds only the files section), and failures that leave nothing
 * under the output names.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { readInitrd } from "@ocikit/initrd";
import { OciLayoutStore, RegistryTransport, readTar, writeTar } from "@ocikit/oci";
import { loadConfig } from "@ocikit/spec";
import { buildLayout } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BuildEvent, build } from "../src/index.js";

const exec = promisify(execFile);

let work: string;
let layout: string;

async function tarBytes(entries: { path: string; contents: string }[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  async function* gen() {
    for (const e of entries) {
      const bytes = new TextEncoder().encode(e.contents);
      yield {
        path: e.path,
        type: "file" as const,
        mode: 0o644,
        uid: 0,
        gid: 0,
        mtime: 1000,
        size: bytes.length,
        body: async function* () {
          yield bytes;
        },
      };
    }
  }
  for await (const c of writeTar(gen())) parts.push(c);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-build-"));
  layout = join(work, "layout");
  const kernelTar = await tarBytes([{ path: "lib/modules/6.0/modules.dep", contents: "" }]);
  await buildLayout({
    dir: layout,
    images: [
      {
        name: "kernel",
        layers: [
          {
            files: [
              { path: "kernel", contents: "KERNEL", mode: 0o644 },
              { path: "kernel.tar", contents: kernelTar },
              { path: "System.map", contents: "x" },
            ],
          },
        ],
      },
      {
        name: "init",
        layers: [
          {
            files: [
              { path: "bin/sh", contents: "sh", mode: 0o755 },
              { path: "bin/ash", type: "hardlink", linkTarget: "bin/sh" },
              { path: "dev/console", type: "file", contents: "" },
              { path: "etc/hosts", contents: "mine" },
              { path: "etc/resolv.conf", contents: "nameserver 1.1.1.1" },
              { path: "etc/hostname", contents: "box" },
            ],
          },
        ],
      },
      {
        name: "app",
        layers: [{ files: [{ path: "bin/app", contents: "app", mode: 0o755 }] }],
        config: {
          Cmd: ["/bin/app"],
          Labels: { "org.mobyproject.config": '{"capabilities":["CAP_SYS_ADMIN"]}' },
        },
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const yaml = (layoutDir: string, motd = "hello") => `kernel:
  image: oci:${layoutDir}:kernel
  cmdline: console=ttyS0
init:
  - oci:${layoutDir}:init
onboot:
  - name: first
    image: oci:${layoutDir}:app
  - name: second
    image: oci:${layoutDir}:app
    readonly: true
services:
  - name: svc
    image: oci:${layoutDir}:app
files:
  - path: etc/linuxkit.yml
    metadata: yaml
  - path: /usr/share/x/y
    mode: "0640"
    uid: svc
    contents: ${motd}
`;

async function run(
  formats: ("kernel+initrd" | "tar" | "raw-efi" | "iso-bios" | "iso-efi" | "iso-efi-initrd")[],
  options: { dir: string; motd?: string; cache?: string; events?: BuildEvent[] },
) {
  const loaded = loadConfig([{ path: "example.yml", text: yaml(layout, options.motd) }]);
  const store = await OciLayoutStore.open(options.cache ?? join(work, "cache"), { create: true });
  return build(loaded, {
    formats,
    name: "example",
    dir: options.dir,
    store,
    transport: new RegistryTransport(),
    platform: { os: "linux", architecture: "amd64" },
    sbom: false,
    cwd: work,
    homeDir: work,
    onEvent: (e) => options.events?.push(e),
  });
}

async function listTar(path: string): Promise<string[]> {
  const out: string[] = [];
  async function* chunks() {
    yield await readFile(path);
  }
  for await (const e of readTar(chunks(), { source: path }))
    out.push(`${e.type} ${e.path}${e.linkTarget ? ` -> ${e.linkTarget}` : ""}`);
  return out;
}

describe("build", () => {
  it("lays out the root filesystem as LinuxKit's worked example (§3.14)", async () => {
    const dir = join(work, "out-tar");
    await run(["tar"], { dir });
    const names = await listTar(join(dir, "example.tar"));
    const expected = [
      "dir boot",
      "file boot/cmdline",
      "file boot/kernel",
      "file lib/modules/6.0/modules.dep",
      "hardlink bin/ash -> bin/sh",
      "symlink etc/resolv.conf -> /run/resolvconf/resolv.conf",
      "symlink etc/mtab -> /proc/mounts",
      "dir containers/onboot/000-first/lower",
      "file containers/onboot/000-first/config.json",
      "dir containers/onboot/000-first/tmp",
      "dir containers/onboot/001-second",
      "file containers/onboot/001-second/config.json",
      "dir containers/onboot/001-second/rootfs",
      "file containers/services/svc/runtime.json",
      "file etc/linuxkit.yml",
      "dir usr",
      "file usr/share/x/y",
    ];
    let at = -1;
    for (const want of expected) {
      const found = names.indexOf(want, at + 1);
      expect(found, `${want} after position ${at}`).toBeGreaterThan(at);
      at = found;
    }
    expect(names).not.toContain("file dev/console");
    expect(names).not.toContain("file etc/hostname");
    expect(names).not.toContain("file System.map");
    expect(names.filter((n) => n.endsWith("000-first/lower/bin/app"))).toHaveLength(1);
    expect(names.some((n) => n.includes("001-second/rootfs/bin/app"))).toBe(false); // de-duplicated
  });

  it("writes kernel, cmdline and an initrd whose tree is the tar's without the boot files", async () => {
    const dir = join(work, "out-both");
    await run(["kernel+initrd", "tar"], { dir });
    expect(await readFile(join(dir, "example-kernel"), "utf8")).toBe("KERNEL");
    expect(await readFile(join(dir, "example-cmdline"), "utf8")).toBe("console=ttyS0");
    const initrd: string[] = [];
    async function* chunks() {
      yield await readFile(join(dir, "example-initrd.img"));
    }
    for await (const e of readInitrd(chunks()))
      initrd.push(`${e.type === "hardlink" ? "symlink" : e.type} ${e.path}`);
    const fromTar = (await listTar(join(dir, "example.tar")))
      .filter((n) => !/^\w+ boot\/(kernel|cmdline|ucode\.cpio)$/.test(n))
      .map((n) => n.replace(/^hardlink (\S+) -> .*/, "symlink $1"));
    expect(initrd.map((n) => n.replace(/ -> .*/, ""))).toEqual(fromTar.map((n) => n.replace(/ -> .*/, "")));
  });

  it("is reproducible: two builds give the same bytes", async () => {
    const a = join(work, "repro-a");
    const b = join(work, "repro-b");
    const formats = ["kernel+initrd", "tar", "raw-efi", "iso-bios", "iso-efi", "iso-efi-initrd"] as const;
    await run([...formats], { dir: a, cache: join(work, "cache-a") });
    await run([...formats], { dir: b, cache: join(work, "cache-b") });
    for (const f of [
      "example-kernel",
      "example-initrd.img",
      "example-cmdline",
      "example.tar",
      "example-efi.img",
    ]) {
      expect(Buffer.compare(await readFile(join(a, f)), await readFile(join(b, f))), f).toBe(0);
    }
  });

  it("writes raw-efi: a GPT disk whose ESP boots a UKI of the same kernel, initrd and command line", async () => {
    const dir = join(work, "raw-efi");
    await run(["kernel+initrd", "raw-efi"], { dir });
    const disk = join(dir, "example-efi.img");
    // sgdisk reads the GPT: one EFI system partition (EF00) at 1 MiB.
    const { stdout: table } = await exec("sgdisk", ["-p", disk]);
    expect(table).toMatch(/^\s+1\s+2048\s+\d+\s+.*EF00\s+ESP$/m);
    // mtools reads the FAT inside it; objcopy takes the UKI's sections apart.
    const uki = join(dir, "BOOTX64.EFI");
    await exec("mcopy", ["-i", `${disk}@@1M`, "::/EFI/BOOT/BOOTX64.EFI", uki], {
      env: { ...process.env, MTOOLS_SKIP_CHECK: "1" },
    });
    const section = async (name: string) => {
      const out = join(dir, `section${name}`);
      await exec("objcopy", ["-O", "binary", `--dump-section=${name}=${out}`, uki, join(dir, "discard")]);
      return readFile(out);
    };
    expect((await section(".linux")).toString()).toBe("KERNEL");
    expect((await section(".cmdline")).toString()).toBe("console=ttyS0");
    expect(Buffer.compare(await section(".initrd"), await readFile(join(dir, "example-initrd.img")))).toBe(0);
    expect((await section(".osrel")).toString()).toContain('PRETTY_NAME="example (built by ocikit)"');
  });

  it("writes iso-efi-initrd: isolinux and the UKI on El Torito, kernel and initrd on the ISO, an isohybrid MBR", async () => {
    const dir = join(work, "iso");
    await run(["kernel+initrd", "iso-efi-initrd"], { dir });
    const iso = join(dir, "example-efi-initrd.iso");
    const { stdout: torito } = await exec("xorriso", ["-indev", iso, "-report_el_torito", "plain"]);
    expect(torito).toMatch(/El Torito boot img :\s+1\s+BIOS\s+y\s+none\s+0x0000\s+0x00\s+4\s/);
    expect(torito).toMatch(/El Torito boot img :\s+2\s+UEFI\s+y\s+none/);
    expect(torito).toMatch(/El Torito img path :\s+1\s+\/isolinux\/isolinux.bin/);
    expect(torito).toMatch(/El Torito img opts :\s+1\s+boot-info-table isohybrid-suitable/);
    const extract = async (path: string) =>
      (await exec("isoinfo", ["-R", "-x", path, "-i", iso], { encoding: "buffer", maxBuffer: 1 << 26 }))
        .stdout;
    expect(Buffer.compare(await extract("/kernel"), await readFile(join(dir, "example-kernel")))).toBe(0);
    expect(
      Buffer.compare(await extract("/initrd.img"), await readFile(join(dir, "example-initrd.img"))),
    ).toBe(0);
    expect((await extract("/isolinux/isolinux.cfg")).toString()).toContain("APPEND console=ttyS0\n");
    // fdisk reads the isohybrid MBR: the whole image, and an EFI partition over the El Torito ESP image.
    const { stdout: table } = await exec("fdisk", ["-l", iso]);
    expect(table).toMatch(/iso2\s+\d+\s+\d+\s+\d+\s+\S+\s+ef EFI/);
  });

  it("rebuilds only the files section after a files entry changes", async () => {
    const cache = join(work, "cache-edit");
    const dir = join(work, "edit");
    const first: BuildEvent[] = [];
    await run(["kernel+initrd"], { dir, cache, events: first });
    const events: BuildEvent[] = [];
    await run(["kernel+initrd"], { dir, cache, motd: "changed", events });
    const built = events.flatMap((e) => (e.type === "section" && !e.cached ? [e.name] : []));
    expect(built).toEqual(["files"]);
    // A cached section reports the entry count and place it was built with.
    const counts = (list: BuildEvent[]) =>
      list
        .flatMap((e) => (e.type === "section" ? [[e.index, e.name, e.source, e.entries] as const] : []))
        .sort((a, b) => a[0] - b[0]);
    expect(counts(events)).toEqual(counts(first));
    expect(counts(first).map(([index]) => index)).toEqual([...counts(first).keys()]);
    expect(counts(first).every(([, , , n]) => n > 0)).toBe(true);
    const initrd = await readFile(join(dir, "example-initrd.img"));
    expect(initrd.includes(Buffer.from("changed"))).toBe(false); // compressed; check through the reader instead
    const texts: string[] = [];
    async function* chunks() {
      yield initrd;
    }
    for await (const e of readInitrd(chunks())) {
      if (e.path !== "usr/share/x/y") continue;
      for await (const c of e.body()) texts.push(new TextDecoder().decode(c));
    }
    expect(texts.join("")).toBe("changed");
  });

  it("leaves nothing under the output names when an image is missing, and names it", async () => {
    const dir = join(work, "fail");
    const loaded = loadConfig([
      { path: "bad.yml", text: `kernel:\n  image: oci:${layout}:kernel\ninit:\n  - oci:${layout}:nope\n` },
    ]);
    await writeFile(join(work, "marker"), "");
    await expect(
      build(loaded, {
        formats: ["kernel+initrd"],
        name: "bad",
        dir,
        store: await OciLayoutStore.open(join(work, "cache"), { create: true }),
        transport: new RegistryTransport(),
        platform: { os: "linux", architecture: "amd64" },
        cwd: work,
        homeDir: work,
      }),
    ).rejects.toMatchObject({
      code: "OCI_NOT_FOUND",
      message: expect.stringContaining(`oci:${layout}:nope`),
    });
    expect(await readdir(dir).catch(() => [])).toEqual([]);
  });

  it("refuses formats a later version writes, and kernel formats without a kernel", async () => {
    const loaded = loadConfig([{ path: "x.yml", text: `init:\n  - oci:${layout}:init\n` }]);
    const common = {
      name: "x",
      dir: join(work, "x"),
      store: await OciLayoutStore.open(join(work, "cache"), { create: true }),
      transport: new RegistryTransport(),
      platform: { os: "linux", architecture: "amd64" },
      cwd: work,
      homeDir: work,
    };
    await expect(build(loaded, { ...common, formats: ["qcow2-bios"] })).rejects.toMatchObject({
      code: "BUILD_UNSUPPORTED_FORMAT",
      message: expect.stringContaining("not yet supported"),
    });
    await expect(build(loaded, { ...common, formats: ["kernel+initrd"] })).rejects.toMatchObject({
      code: "BUILD_NO_KERNEL",
    });
  });
});
