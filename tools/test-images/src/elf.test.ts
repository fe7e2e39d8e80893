import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { readElfDependencies, readModinfo } from "./elf.js";

// Real files of the Debian packages tools/dev/setup.sh installs (runc, busybox-static, linux-image-amd64).
const moduleDir = `/lib/modules/${readdirSync("/lib/modules").sort().at(-1)}`;

describe("readElfDependencies", () => {
  it.each([
    ["/usr/sbin/runc", "/lib64/ld-linux-x86-64.so.2", ["libseccomp.so.2", "libc.so.6"]],
    ["/bin/busybox", undefined, []],
  ])("reads %s", async (path, interpreter, needed) => {
    const deps = readElfDependencies(await readFile(path), path);
    expect(deps.interpreter).toBe(interpreter);
    expect([...deps.needed].sort()).toEqual([...needed].sort());
  });

  it("reads a shared library's needs", async () => {
    const deps = readElfDependencies(await readFile("/lib/x86_64-linux-gnu/libc.so.6"), "libc.so.6");
    expect(deps.needed).toEqual(["ld-linux-x86-64.so.2"]);
  });

  it.each([
    ["a script", Buffer.from("#!/bin/sh\necho hi\n".padEnd(80))],
    ["a 32-bit file", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, ...new Array(70).fill(0)])],
    ["a truncated file", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, ...new Array(58).fill(0xff)])],
  ])("refuses %s", (_, bytes) => {
    expect(() => readElfDependencies(bytes, "x")).toThrow(
      expect.objectContaining({ code: "TEST_IMAGES_BAD_ELF" }),
    );
  });
});

describe("readModinfo", () => {
  it("reads a module's dependencies and version magic", async () => {
    const path = `${moduleDir}/kernel/drivers/net/virtio_net.ko`;
    const info = readModinfo(await readFile(path), path);
    expect(info.get("depends")?.[0]?.split(",").sort()).toEqual(["net_failover", "virtio", "virtio_ring"]);
    expect(info.get("name")).toEqual(["virtio_net"]);
    expect(info.get("vermagic")?.[0]).toMatch(/^6\.1\./);
    expect(info.get("alias")?.length).toBeGreaterThan(0);
  });

  it("gives nothing for a file without .modinfo", async () => {
    expect(readModinfo(await readFile("/bin/busybox"), "busybox").size).toBe(0);
  });
});
