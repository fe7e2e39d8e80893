import { entryFromBytes } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { fatBootSectorFromBytes } from "./fat-boot-sector.js";
import { fatImage } from "./fat-image.js";
import { planFat } from "./fat-plan.js";
import { writeFat } from "./fat-writer.js";

describe("fatImage", () => {
  it("is writeFat over the files, directories made from their paths", async () => {
    const data = new TextEncoder().encode("stub");
    const image = await fatImage([{ path: "/EFI/BOOT/BOOTX64.EFI", data }], { volumeLabel: "UKI" });
    const header = {
      path: "EFI/BOOT/BOOTX64.EFI",
      type: "file" as const,
      mode: 0o644,
      uid: 0,
      gid: 0,
      mtime: 0,
    };
    const layout = planFat([{ ...header, size: data.length }], { volumeLabel: "UKI" });
    const chunks: Uint8Array[] = [];
    for await (const chunk of writeFat(
      layout,
      (async function* () {
        yield entryFromBytes(header, data);
      })(),
    ))
      chunks.push(chunk);
    expect(Buffer.from(image).equals(Buffer.concat(chunks))).toBe(true);
    expect(fatBootSectorFromBytes(image).volumeLabel).toBe("UKI        ");
  });

  it("refuses what planFat refuses", async () => {
    await expect(fatImage([{ path: "a:b", data: new Uint8Array(1) }], {})).rejects.toMatchObject({
      code: "ISO_BAD_TREE",
    });
  });
});
