import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadOrCreateMac, macFromBytes } from "./mac-address.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ocikit-mac-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const fixed = (bytes: number[]) => () => Uint8Array.from(bytes);

describe("macFromBytes", () => {
  it.each([
    [[0xff, 1, 2, 3, 4, 5], "fe:01:02:03:04:05"],
    [[0x00, 0xaa, 0xbb, 0xcc, 0xdd, 0xee], "02:aa:bb:cc:dd:ee"],
    [[0x01, 0, 0, 0, 0, 0], "02:00:00:00:00:00"],
  ])("makes %j unicast and locally administered: %s", (bytes, want) => {
    expect(macFromBytes(Uint8Array.from(bytes))).toBe(want);
  });

  it("always sets bit 1 and clears bit 0 of the first octet", () => {
    for (let first = 0; first < 256; first++) {
      const octet = Number.parseInt(macFromBytes(Uint8Array.from([first, 0, 0, 0, 0, 0])).slice(0, 2), 16);
      expect(octet & 0x03).toBe(0x02);
    }
  });
});

describe("loadOrCreateMac", () => {
  it("creates a random address in <state>/mac-addr, LinuxKit's format, and reuses it", async () => {
    const mac = await loadOrCreateMac(dir, { random: fixed([0x54, 0x52, 0x00, 0x12, 0x34, 0x56]) });
    expect(mac).toBe("56:52:00:12:34:56");
    expect(readFileSync(join(dir, "mac-addr"), "utf8")).toBe("56:52:00:12:34:56");
    expect(statSync(join(dir, "mac-addr")).mode & 0o777).toBe(0o640);
    // The next run reads it back instead of drawing a new one.
    expect(await loadOrCreateMac(dir, { random: fixed([9, 9, 9, 9, 9, 9]) })).toBe(mac);
  });

  it("draws different addresses for different state directories by default", async () => {
    const other = mkdtempSync(join(tmpdir(), "ocikit-mac-"));
    try {
      expect(await loadOrCreateMac(dir)).not.toBe(await loadOrCreateMac(other));
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("reads a file a person or LinuxKit wrote, with a newline or dashes", async () => {
    writeFileSync(join(dir, "mac-addr"), "02-AB-CD-EF-01-23\n");
    expect(await loadOrCreateMac(dir)).toBe("02:ab:cd:ef:01:23");
  });

  it("refuses a file that holds no MAC address (HV_STATE)", async () => {
    writeFileSync(join(dir, "mac-addr"), "not a mac");
    await expect(loadOrCreateMac(dir)).rejects.toMatchObject({
      code: "HV_STATE",
      message: expect.stringContaining('"not a mac" is not a MAC address'),
    });
  });

  it("says when the state directory is missing (HV_STATE)", async () => {
    await expect(loadOrCreateMac(join(dir, "missing"))).rejects.toMatchObject({ code: "HV_STATE" });
  });
});
