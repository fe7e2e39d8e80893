/**
 * The boot sector's code, checked by the real tools: objdump disassembles it to the intended
 * instructions with the message where `mov si` points, and a BIOS (SeaBIOS under qemu, with sgabios
 * mirroring the screen to the serial port) that boots one of our images prints the message.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { FAT_BOOT_MESSAGE } from "./fat-boot-code.js";
import { fatImage } from "./fat-image.js";

const work = mkdtempSync(join(tmpdir(), "ocikit-fat-boot-code-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the FAT boot code", () => {
  it.each([
    ["fat12", 0x3e],
    ["fat32", 0x5a],
  ] as const)("disassembles (objdump) in a %s boot sector to print-and-halt", async (fatType, codeOffset) => {
    const image = await fatImage([{ path: "x", data: new Uint8Array(1) }], { fatType });
    const sector = join(work, `${fatType}.bin`);
    writeFileSync(sector, image.subarray(0, 512));
    const listing = execFileSync(
      "objdump",
      [
        "-D",
        "-b",
        "binary",
        "-mi8086",
        `--start-address=${codeOffset}`,
        `--stop-address=${codeOffset + 33}`,
        sector,
      ],
      { encoding: "utf8" },
    );
    const instructions = [...listing.matchAll(/^\s+[0-9a-f]+:\t(?:[0-9a-f]{2} )+\s*\t(.*)$/gm)].map((m) =>
      m[1]!.replace(/\s+/g, " ").trim(),
    );
    const message = 0x7c00 + codeOffset + 33;
    const jz = codeOffset + 29;
    expect(instructions).toEqual([
      "cli",
      "xor %ax,%ax",
      "mov %ax,%ds",
      "mov %ax,%ss",
      "mov $0x7c00,%sp",
      "sti",
      "cld",
      `mov $0x${message.toString(16)},%si`,
      "lods %ds:(%si),%al",
      "test %al,%al",
      `je 0x${jz.toString(16)}`,
      "mov $0xe,%ah",
      "mov $0x7,%bx",
      "int $0x10",
      `jmp 0x${(codeOffset + 15).toString(16)}`,
      "cli",
      "hlt",
      `jmp 0x${(codeOffset + 30).toString(16)}`,
    ]);
    // The jump at offset 0 reaches the code, and the message sits where `mov si` points.
    expect([...image.subarray(0, 3)]).toEqual([0xeb, codeOffset - 2, 0x90]);
    const text = new TextDecoder().decode(
      image.subarray(codeOffset + 33, codeOffset + 33 + FAT_BOOT_MESSAGE.length),
    );
    expect(text).toBe(FAT_BOOT_MESSAGE);
  });

  it("prints its message when a BIOS boots the image (qemu, SeaBIOS, sgabios on the serial port)", async () => {
    const image = join(work, "bios.img");
    writeFileSync(image, await fatImage([{ path: "EFI/BOOT/BOOTX64.EFI", data: new Uint8Array(1000) }], {}));
    const qemu = spawn(
      "qemu-system-x86_64",
      [
        ...["-nodefaults", "-nographic", "-no-reboot", "-m", "64", "-monitor", "none", "-serial", "stdio"],
        ...["-device", "sga", "-drive", `file=${image},format=raw,if=ide,snapshot=on`],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    try {
      const printed = await new Promise<boolean>((resolve, reject) => {
        const timer = setTimeout(() => resolve(false), 20_000);
        qemu.on("error", (error) =>
          reject(new Error(`qemu-system-x86_64: ${error.message}; run tools/dev/setup.sh`)),
        );
        qemu.stdout.on("data", (chunk: Buffer) => {
          output += chunk.toString("latin1");
          if (output.includes(FAT_BOOT_MESSAGE.trim())) {
            clearTimeout(timer);
            resolve(true);
          }
        });
      });
      expect(printed, output).toBe(true);
    } finally {
      qemu.kill("SIGKILL");
    }
  }, 30_000);
});
