// `ocikit inspect` of ISO images: an iso-efi-initrd built by `ocikit build` from synthetic images
// (isolinux and the EFI stub from this machine's packages, as the build takes them) shows its volume,
// both El Torito entries with their paths, the isohybrid MBR's partitions and the files with their
// digests, in text and in JSON; an ISO written by @ocikit/iso without Rock Ridge or boot; a damaged
// ISO and a file that is no archive fail with their exit codes.
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { entryFromBytes, headerOf } from "@ocikit/fs";
import { planIso, writeIso } from "@ocikit/iso";
import { buildLayout } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./main.js";
import { createMemoryIo } from "./memory-io.js";

const KERNEL = "KERNEL IMAGE\n";
const sha256 = (bytes: string | Uint8Array) => `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
let work = "";

async function ocikit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = createMemoryIo({ cwd: work, env: { HOME: work } });
  const code = await main(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-inspect-"));
  await buildLayout({
    dir: join(work, "layout"),
    images: [
      { name: "kernel", layers: [{ files: [{ path: "kernel", contents: KERNEL }] }] },
      {
        name: "init",
        layers: [
          {
            files: [
              { path: "bin/busybox", contents: "BUSYBOX\n", mode: 0o755 },
              { path: "init", type: "symlink", linkTarget: "/bin/busybox" },
            ],
          },
        ],
      },
    ],
  });
  await writeFile(
    join(work, "hybrid.yml"),
    `kernel:\n  image: oci:layout:kernel\n  cmdline: console=ttyS0\n  tar: none\ninit:\n  - oci:layout:init\n`,
  );
  const built = await ocikit([
    "--cache",
    join(work, "cache"),
    "build",
    "-f",
    "iso-efi-initrd",
    "--no-sbom",
    "hybrid.yml",
  ]);
  expect(built.code, built.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe("ocikit inspect of an ISO", () => {
  it("lists an iso-efi-initrd: the volume, both boot entries, the isohybrid partitions, then the files", async () => {
    const { code, stdout, stderr } = await ocikit(["inspect", "hybrid-efi-initrd.iso"]);
    expect(code, stderr).toBe(0);
    const lines = stdout.split("\n");
    const at = (pattern: RegExp) => {
      const index = lines.findIndex((line) => pattern.test(line));
      expect(index, `${pattern} in\n${stdout}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    const order = [
      at(/^== volume LINUXKIT: \d+ bytes, Rock Ridge, Joliet$/),
      at(/^== boot catalog: LBA \d+ \(isolinux\/boot\.cat\), 2 entries$/),
      at(/^bios bootable no-emulation load 4 × 512 bytes \(2048\) LBA \d+ isolinux\/isolinux\.bin$/),
      at(/^efi {2}bootable no-emulation load \d+ × 512 bytes \(\d+\) LBA \d+ boot\/efi\.img$/),
      at(/^== isohybrid MBR: 2 partitions$/),
      at(/^1 active type 0x00 sectors 0\+\d+ \(\d+ bytes\)$/),
      at(/^2 {8}type 0xef sectors \d+\+\d+ \(\d+ bytes\)$/),
      at(/^== files \(Rock Ridge\)$/),
      at(/^file {5}0444 0:0 +2048 sha256:[0-9a-f]{12} isolinux\/boot\.cat$/),
      at(/^file {5}0644 0:0 +\d+ sha256:[0-9a-f]{12} isolinux\/isolinux\.bin$/),
      at(/^file {5}\S+ 0:0 +13 sha256:[0-9a-f]{12} kernel$/),
      at(/^file {5}\S+ 0:0 +\d+ sha256:[0-9a-f]{12} initrd\.img$/),
    ];
    expect(order.slice(0, 8)).toEqual([...order.slice(0, 8)].sort((a, b) => a - b));
    expect(lines[order[0]! + 1]).toMatch(
      /^recorded 2017-04-18T16:30:00.000Z; publisher OCIKIT; application OCIKIT$/,
    );
  });

  it("prints JSON: one object for the volume and boot catalog, then one per entry with its digest", async () => {
    const { code, stdout } = await ocikit(["inspect", "--json", "hybrid-efi-initrd.iso"]);
    expect(code).toBe(0);
    const [info, ...entries] = stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(info).toMatchObject({
      group: "volume",
      volume: { volumeId: "LINUXKIT", rockRidge: true, joliet: true, recordedAt: "2017-04-18T16:30:00.000Z" },
      boot: {
        catalogPath: "isolinux/boot.cat",
        entries: [
          {
            platform: "bios",
            bootable: true,
            emulation: "none",
            sectorCount: 4,
            path: "isolinux/isolinux.bin",
          },
          { platform: "efi", bootable: true, emulation: "none", path: "boot/efi.img" },
        ],
      },
      isohybrid: {
        partitions: [
          { number: 1, active: true, type: 0 },
          { number: 2, type: 0xef },
        ],
      },
    });
    const kernel = entries.find((e) => e.path === "kernel");
    expect(kernel).toMatchObject({
      group: "files (Rock Ridge)",
      type: "file",
      size: KERNEL.length,
      sha256: sha256(KERNEL),
    });
    expect(entries[0]).toMatchObject({ group: "files (Rock Ridge)", path: ".", type: "dir" });
    expect(entries.map((e) => e.path)).toEqual(
      expect.arrayContaining(["initrd.img", "isolinux/isolinux.bin"]),
    );
  });

  it("lists an ISO without Rock Ridge or boot: ISO 9660 names, no boot catalog, no MBR", async () => {
    const hosts = entryFromBytes(
      { path: "etc/hosts", type: "file", mode: 0o644, uid: 0, gid: 0, mtime: 0 },
      new TextEncoder().encode("127.0.0.1 localhost\n"),
    );
    const layout = planIso([headerOf(hosts)], { volumeId: "PLAIN", rockRidge: false });
    await writeFile(
      join(work, "plain.iso"),
      writeIso(
        layout,
        (async function* () {
          yield hosts;
        })(),
      ),
    );
    const { code, stdout } = await ocikit(["inspect", "plain.iso"]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^== volume PLAIN: \d+ bytes, no Rock Ridge, Joliet\n/);
    expect(stdout).not.toContain("== boot catalog");
    expect(stdout).not.toContain("== isohybrid");
    expect(stdout).toContain(`\n== files (ISO 9660 names)\n`);
    expect(stdout).toMatch(
      new RegExp(`\\nfile {5}0444 0:0 +20 ${sha256("127.0.0.1 localhost\n").slice(0, 19)} ETC/HOSTS\\n`),
    );
  });

  it("fails with exit code 1 and the LBA on a truncated ISO", async () => {
    const iso = await readFile(join(work, "hybrid-efi-initrd.iso"));
    await writeFile(join(work, "cut.iso"), iso.subarray(0, 64 * 1024));
    const { code, stderr } = await ocikit(["inspect", "cut.iso"]);
    expect(code).toBe(1);
    expect(stderr).toMatch(/LBA \d+.*truncated/);
  });

  it("fails with exit code 2 on a file that is not a tar, an initrd or an ISO", async () => {
    await writeFile(join(work, "notes.txt"), "x".repeat(40_000));
    const { code, stderr } = await ocikit(["inspect", "notes.txt"]);
    expect(code).toBe(2);
    expect(stderr).toContain("is not a tar, an initrd (gzip or cpio newc) or an ISO 9660 image");
  });
});
