import { describe, expect, it } from "vitest";
import { debianPackageOf, findProgram, requireProgram } from "./find-program.js";

describe("debianPackageOf", () => {
  // Checked on Debian 12 with `apt-cache show` (Provides:) and `dpkg -S /usr/bin/qemu-system-x86_64`.
  it.each([
    ["qemu-system-x86_64", "qemu-system-x86"],
    ["/usr/local/bin/qemu-system-aarch64", "qemu-system-arm"],
    ["qemu-system-riscv64", "qemu-system-misc"],
    ["qemu-system-s390x", "qemu-system-misc"],
    ["qemu-img", "qemu-utils"],
    ["setpriv", "util-linux"],
    ["hyperkit", undefined],
  ])("%s comes from %s", (program, want) => expect(debianPackageOf(program)).toBe(want));
});

describe("findProgram and requireProgram", () => {
  it("finds a program on PATH, and a path as it is", async () => {
    const sh = await findProgram("sh");
    expect(sh).toMatch(/\/sh$/);
    expect(await findProgram(sh!)).toBe(sh);
    expect(await findProgram("/etc/passwd")).toBeUndefined(); // not executable
    expect(await findProgram("/etc")).toBeUndefined(); // a directory
  });

  it.each([
    [
      "a name not on PATH",
      "qemu-system-nonesuch",
      /^qemu-system-nonesuch: not found on PATH; install it, or give its path$/,
    ],
    [
      "a missing qemu by path",
      "/nonexistent/qemu-system-x86_64",
      /^\/nonexistent\/qemu-system-x86_64: no executable file there; install it: "apt-get install qemu-system-x86" on Debian or Ubuntu/,
    ],
  ])("refuses %s with HV_TOOL_MISSING", async (_name, program, message) => {
    const failure = requireProgram(program);
    await expect(failure).rejects.toMatchObject({ code: "HV_TOOL_MISSING" });
    await expect(failure).rejects.toThrow(message);
  });
});
