import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { findUefiFirmware } from "./firmware.js";

let root: string;
let vars: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "ocikit-firmware-"));
  mkdirSync(join(root, "state"));
  vars = join(root, "state", "efi-vars.fd");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function install(path: string, text = path): string {
  const full = join(root, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, text);
  return full;
}

describe("findUefiFirmware", () => {
  it("prefers Debian's split 4M OVMF and copies the variables for this boot", async () => {
    const code = install("/usr/share/OVMF/OVMF_CODE_4M.fd");
    install("/usr/share/OVMF/OVMF_VARS_4M.fd", "pristine variables");
    install("/usr/share/ovmf/OVMF.fd");
    expect(await findUefiFirmware({ arch: "x86_64", varsCopyPath: vars, searchRoot: root })).toEqual({
      kind: "split",
      code,
      vars,
    });
    expect(readFileSync(vars, "utf8")).toBe("pristine variables");
  });

  it("gives each boot a fresh copy, replacing what the last boot left (even read-only)", async () => {
    install("/usr/share/OVMF/OVMF_CODE_4M.fd");
    install("/usr/share/OVMF/OVMF_VARS_4M.fd", "pristine variables");
    writeFileSync(vars, "variables a previous boot wrote", { mode: 0o444 });
    await findUefiFirmware({ arch: "x86_64", varsCopyPath: vars, searchRoot: root });
    expect(readFileSync(vars, "utf8")).toBe("pristine variables");
    expect(statSync(vars).mode & 0o200).toBe(0o200);
  });

  it.each([
    ["/usr/share/ovmf/OVMF.fd", ["/usr/share/ovmf/OVMF.fd", "/usr/share/ovmf/bios.bin"]],
    ["/usr/share/ovmf/bios.bin", ["/usr/share/ovmf/bios.bin"]],
  ])("falls back to the combined image %s", async (want, installed) => {
    for (const path of installed) install(path);
    // A code image without its variables is not enough for a split boot.
    install("/usr/share/OVMF/OVMF_CODE_4M.fd");
    expect(await findUefiFirmware({ arch: "x86_64", varsCopyPath: vars, searchRoot: root })).toEqual({
      kind: "combined",
      path: join(root, want),
    });
  });

  it("finds AAVMF for aarch64", async () => {
    const code = install("/usr/share/AAVMF/AAVMF_CODE.fd");
    install("/usr/share/AAVMF/AAVMF_VARS.fd");
    expect(await findUefiFirmware({ arch: "aarch64", varsCopyPath: vars, searchRoot: root })).toEqual({
      kind: "split",
      code,
      vars,
    });
  });

  it("uses --fw as given, split when it is a _CODE image with its _VARS beside it", async () => {
    const combined = install("/opt/fw/custom.fd");
    expect(await findUefiFirmware({ fw: combined, arch: "x86_64", varsCopyPath: vars })).toEqual({
      kind: "combined",
      path: combined,
    });
    const code = install("/opt/fw/OVMF_CODE.secboot.fd");
    install("/opt/fw/OVMF_VARS.secboot.fd", "secboot variables");
    expect(await findUefiFirmware({ fw: code, arch: "x86_64", varsCopyPath: vars })).toEqual({
      kind: "split",
      code,
      vars,
    });
    expect(readFileSync(vars, "utf8")).toBe("secboot variables");
  });

  it("refuses a --fw that does not exist (HV_ARTIFACT_MISSING)", async () => {
    await expect(
      findUefiFirmware({ fw: join(root, "nope.fd"), arch: "x86_64", varsCopyPath: vars }),
    ).rejects.toMatchObject({
      code: "HV_ARTIFACT_MISSING",
      message: expect.stringContaining("nope.fd: no such file"),
    });
  });

  it("names the package and --fw when nothing is installed (HV_ARTIFACT_MISSING)", async () => {
    const error = await findUefiFirmware({ arch: "x86_64", varsCopyPath: vars, searchRoot: root }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "HV_ARTIFACT_MISSING" });
    const message = (error as Error).message;
    expect(message).toContain("apt-get install ovmf");
    expect(message).toContain("--fw");
    expect(message).toContain(join(root, "/usr/share/ovmf/bios.bin"));
    await expect(
      findUefiFirmware({ arch: "aarch64", varsCopyPath: vars, searchRoot: root }),
    ).rejects.toMatchObject({ message: expect.stringContaining("apt-get install qemu-efi-aarch64") });
  });

  it("says s390x has no UEFI (HV_UNSUPPORTED)", async () => {
    await expect(findUefiFirmware({ arch: "s390x", varsCopyPath: vars })).rejects.toMatchObject({
      code: "HV_UNSUPPORTED",
    });
  });

  it("finds this machine's OVMF (Debian's ovmf package)", async () => {
    const firmware = await findUefiFirmware({ arch: "x86_64", varsCopyPath: vars });
    expect(firmware).toEqual({ kind: "split", code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars });
    // Buffer.equals: a deep toEqual over 4 MiB takes seconds.
    expect(readFileSync(vars).equals(readFileSync("/usr/share/OVMF/OVMF_VARS_4M.fd"))).toBe(true);
  });
});
