/**
 * buildTestImages and pushTestImages, checked with independent tools: skopeo reads the layout and
 * the registry, GNU tar lists the layers. The first build downloads ~80 MB of Debian packages into
 * the cache (~/.cache/ocikit-test-images) and takes about half a minute; later runs reuse them.
 */
import { execFile } from "node:child_process";
import { link, mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { inspectWithSkopeo, startRegistry } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  MOBY_CONFIG_LABEL,
  TEST_IMAGE_NAMES,
  TEST_IMAGE_ROLES,
  type TestImageRole,
} from "./image-definitions.js";
import { pushTestImages } from "./push-test-images.js";
import { buildTestImages, TEST_IMAGES_DEFAULTS, type TestImages } from "./test-images.js";

const run = promisify(execFile);

let images: TestImages;
let scratch: string;

beforeAll(async () => {
  images = await buildTestImages();
  scratch = await mkdtemp(join(tmpdir(), "ocikit-test-images-"));
}, 600_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

async function skopeoConfig(role: TestImageRole) {
  const text = await inspectWithSkopeo(`oci:${images.layoutDir}:${images.refs[role]}`, { config: true });
  return JSON.parse(text) as {
    config: { Cmd?: string[]; Entrypoint?: string[]; Labels?: Record<string, string> };
  };
}

/** The blob of the image's last layer. */
async function lastLayerBlob(role: TestImageRole): Promise<string> {
  const manifest = JSON.parse(
    await inspectWithSkopeo(`oci:${images.layoutDir}:${images.refs[role]}`, { raw: true }),
  ) as {
    layers: { digest: string }[];
  };
  return join(
    images.layoutDir,
    "blobs",
    "sha256",
    manifest.layers.at(-1)?.digest.replace("sha256:", "") ?? "",
  );
}

/** `tar -tvz` of the image's last layer, one member a line: "MODE OWNER PATH[ -> TARGET]". */
async function lastLayer(role: TestImageRole): Promise<string[]> {
  const { stdout } = await run("tar", ["-tvzf", await lastLayerBlob(role)], { maxBuffer: 1 << 24 });
  return stdout
    .trim()
    .split("\n")
    .map((line) => line.split(/\s+/))
    .map((f) => `${f[0]} ${f[1]} ${f.slice(5).join(" ")}`);
}

describe("buildTestImages", () => {
  it("names every role in the layout, as skopeo reads it", async () => {
    expect(images.refs).toEqual(TEST_IMAGE_NAMES);
    for (const role of TEST_IMAGE_ROLES) {
      const manifest = JSON.parse(
        await inspectWithSkopeo(`oci:${images.layoutDir}:${images.refs[role]}`, { raw: true }),
      );
      expect(manifest.mediaType, role).toBe("application/vnd.oci.image.manifest.v1+json");
    }
    expect(images.kernelRelease).toMatch(/^6\.1\.\d+-\d+-amd64$/);
    expect(images.kernelModules).toEqual(
      expect.arrayContaining(["virtio_net", "virtio_pci", "overlay", "9p", "isofs", "sr_mod", "squashfs"]),
    );
  });

  it.each([
    ["hello", { capabilities: ["CAP_CHOWN", "CAP_DAC_OVERRIDE"] }],
    ["poweroff", { pid: "host", readonly: true, capabilities: ["CAP_SYS_BOOT"] }],
    [
      "dhcpcd",
      expect.objectContaining({
        net: "host",
        binds: ["/run/resolvconf:/etc"],
        runtime: { mkdir: ["/run/resolvconf"] },
      }),
    ],
    [
      "sshd",
      expect.objectContaining({
        pid: "host",
        capabilities: ["all"],
        binds: expect.arrayContaining(["/root/.ssh:/root/.ssh"]),
      }),
    ],
  ] as const)("labels %s with LinuxKit-style defaults", async (role, label) => {
    const { config } = await skopeoConfig(role);
    expect(JSON.parse(config.Labels?.[MOBY_CONFIG_LABEL] ?? "{}")).toEqual(label);
    expect(config.Labels?.["org.ocikit.test-images.packages"]).toMatch(/^busybox-static_/);
  });

  it("makes a kernel image as LinuxKit's: /kernel and a kernel.tar of ./lib/modules", async () => {
    expect(await lastLayer("kernel")).toEqual(["-rw-r--r-- 0/0 kernel", "-rw-r--r-- 0/0 kernel.tar"]);
    const dir = join(scratch, "kernel");
    await mkdir(dir);
    await run("tar", ["-xzf", await lastLayerBlob("kernel"), "-C", dir]);
    const { stdout: members } = await run("tar", ["-tf", join(dir, "kernel.tar")]);
    const modules = `./lib/modules/${images.kernelRelease}/`;
    expect(
      members
        .split("\n")
        .filter(Boolean)
        .every((m) => m === "./" || m.startsWith("./lib/")),
    ).toBe(true);
    expect(members).toContain(`${modules}kernel/drivers/net/virtio_net.ko\n`);
    const { stdout: dep } = await run("tar", ["-xOf", join(dir, "kernel.tar"), `${modules}modules.dep`]);
    expect(dep).toContain(
      "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko\n",
    );
    // A bzImage: the boot protocol's "HdrS" magic at 0x202 (Documentation/arch/x86/boot.rst).
    expect((await readFile(join(dir, "kernel"))).subarray(0x202, 0x206).toString()).toBe("HdrS");
  });

  it("puts runc with its libraries and the init's files where LinuxKit's images have them", async () => {
    expect(await lastLayer("runc")).toEqual(
      expect.arrayContaining([
        "-rwxr-xr-x 0/0 usr/sbin/runc",
        "lrwxrwxrwx 0/0 usr/bin/runc -> ../sbin/runc",
        "lrwxrwxrwx 0/0 lib64/ld-linux-x86-64.so.2 -> /lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
        "-rwxr-xr-x 0/0 lib/x86_64-linux-gnu/libc.so.6",
        "lrwxrwxrwx 0/0 usr/lib/x86_64-linux-gnu/libseccomp.so.2 -> libseccomp.so.2.5.4",
      ]),
    );
    expect(await lastLayer("init")).toEqual(
      expect.arrayContaining([
        "-rwxr-xr-x 0/0 init",
        "-rw-r--r-- 0/0 etc/inittab",
        "-rwxr-xr-x 0/0 etc/init.d/rc.init",
        "lrwxrwxrwx 0/0 etc/resolv.conf -> /run/resolvconf/resolv.conf",
      ]),
    );
    expect(await lastLayer("sshd")).toEqual(
      expect.arrayContaining(["-rw-r----- 0/0 etc/shadow", "-rwxr-xr-x 0/0 usr/sbin/sshd"]),
    );
  });

  it("puts the bootloader files at the paths of Debian's packages", async () => {
    const files = (await lastLayer("bootloader")).filter((line) => line.startsWith("-"));
    expect(files.map((line) => line.split(" ").at(-1)).sort()).toEqual([
      "usr/lib/ISOLINUX/isohdpfx.bin",
      "usr/lib/ISOLINUX/isolinux.bin",
      "usr/lib/syslinux/modules/bios/ldlinux.c32",
      "usr/lib/systemd/boot/efi/linuxx64.efi.stub",
    ]);
    const dir = join(scratch, "bootloader");
    await mkdir(dir);
    await run("tar", ["-xzf", await lastLayerBlob("bootloader"), "-C", dir]);
    // isohdpfx.bin is an MBR's 432 bytes of code; the stub is a PE32+ image ("MZ", then "PE\0\0").
    expect((await readFile(join(dir, "usr/lib/ISOLINUX/isohdpfx.bin"))).length).toBe(432);
    const stub = await readFile(join(dir, "usr/lib/systemd/boot/efi/linuxx64.efi.stub"));
    expect(stub.subarray(0, 2).toString("latin1")).toBe("MZ");
    expect(stub.subarray(stub.readUInt32LE(0x3c), stub.readUInt32LE(0x3c) + 4).toString("latin1")).toBe(
      "PE\0\0",
    );
  });

  it("finds a built layout in the cache at once", async () => {
    const started = Date.now();
    const again = await buildTestImages();
    expect(Date.now() - started).toBeLessThan(2000);
    expect(again).toEqual(images);
  });

  it("is reproducible: the same packages in another cache give the same digests", async () => {
    // Same .debs (hard links, no download), nothing else shared: a full second build.
    const cacheDir = join(scratch, "cache");
    const debs = join(TEST_IMAGES_DEFAULTS.cacheDir(), "debs");
    await mkdir(join(cacheDir, "debs"), { recursive: true });
    for (const deb of await readdir(debs))
      if (deb.endsWith(".deb")) await link(join(debs, deb), join(cacheDir, "debs", deb));
    const rebuilt = await buildTestImages({ cacheDir });
    expect(rebuilt.layoutDir).not.toBe(images.layoutDir);
    expect(rebuilt.digests).toEqual(images.digests);
  }, 300_000);

  it("refuses another architecture", async () => {
    await expect(buildTestImages({ arch: "arm64" })).rejects.toMatchObject({
      code: "TEST_IMAGES_UNSUPPORTED_ARCH",
    });
  });
});

describe("pushTestImages", () => {
  it("pushes every image to a registry, digests unchanged", async () => {
    const registry = await startRegistry();
    try {
      const pushed = await pushTestImages(registry, { images });
      for (const role of TEST_IMAGE_ROLES) {
        expect(pushed[role].reference).toBe(`${registry.host}/${TEST_IMAGE_NAMES[role]}`);
        expect(pushed[role].digest).toBe(images.digests[role]);
      }
      const config = JSON.parse(
        await inspectWithSkopeo(`docker://${pushed.sshd.reference}`, { config: true }),
      );
      expect(config.config.Cmd).toEqual(["/bin/sh", "/sshd.sh"]);
    } finally {
      await registry.stop();
    }
  }, 120_000);
});
