import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readModinfo } from "./elf.js";
import { formatModulesDep, type KernelModule, moduleClosure, moduleName } from "./kernel-modules.js";

const synthetic: KernelModule[] = [
  {
    name: "virtio_net",
    path: "kernel/drivers/net/virtio_net.ko",
    depends: ["virtio_ring", "virtio", "net_failover"],
  },
  { name: "net_failover", path: "kernel/drivers/net/net_failover.ko", depends: ["failover"] },
  { name: "failover", path: "kernel/net/core/failover.ko", depends: [] },
  { name: "virtio", path: "kernel/drivers/virtio/virtio.ko", depends: ["virtio_ring"] },
  { name: "virtio_ring", path: "kernel/drivers/virtio/virtio_ring.ko", depends: [] },
  { name: "overlay", path: "kernel/fs/overlayfs/overlay.ko", depends: [] },
];
const byName = new Map(synthetic.map((module) => [module.name, module]));

describe("moduleName", () => {
  it.each([
    ["kernel/drivers/char/hw_random/virtio-rng.ko", "virtio_rng"],
    ["virtio_net.ko", "virtio_net"],
    ["kernel/fs/9p/9p.ko.xz", "9p"],
  ])("%s is %s", (file, name) => expect(moduleName(file)).toBe(name));
});

describe("moduleClosure", () => {
  it("adds every dependency, sorted by path", () => {
    expect(moduleClosure(["virtio_net"], byName).map((module) => module.name)).toEqual([
      "net_failover",
      "virtio_net",
      "virtio",
      "virtio_ring",
      "failover",
    ]);
  });

  it("names the module that needs a missing one", () => {
    const broken = new Map(byName);
    broken.delete("failover");
    expect(() => moduleClosure(["virtio_net"], broken)).toThrow(/failover \(needed by net_failover\)/);
  });
});

describe("formatModulesDep", () => {
  it("lists dependencies so that loading them last to first works", () => {
    expect(formatModulesDep(moduleClosure(["virtio_net", "overlay"], byName))).toBe(
      [
        "kernel/drivers/net/net_failover.ko: kernel/net/core/failover.ko",
        "kernel/drivers/net/virtio_net.ko: kernel/drivers/net/net_failover.ko kernel/net/core/failover.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko",
        "kernel/drivers/virtio/virtio.ko: kernel/drivers/virtio/virtio_ring.ko",
        "kernel/drivers/virtio/virtio_ring.ko:",
        "kernel/fs/overlayfs/overlay.ko:",
        "kernel/net/core/failover.ko:",
        "",
      ].join("\n"),
    );
  });

  // Oracle: the modules.dep that Debian's depmod wrote for the installed kernel (linux-image-amd64).
  it("lists the same dependencies as depmod for the installed kernel", () => {
    const dir = `/lib/modules/${readdirSync("/lib/modules").sort().at(-1)}`;
    const depmod = new Map(
      readFileSync(`${dir}/modules.dep`, "utf8")
        .trim()
        .split("\n")
        .map((line) => {
          const [path = "", deps = ""] = line.split(":");
          return [path, deps.trim().split(/\s+/).filter(Boolean)] as const;
        }),
    );
    const wanted = ["virtio_net", "virtio_pci", "9p", "9pnet_virtio", "sr_mod", "sd_mod", "isofs", "ahci"];
    // Read the .modinfo of the wanted modules and of what depmod says they need, not of all 4000.
    const paths = [...depmod.keys()].filter((path) => wanted.includes(moduleName(path)));
    const relevant = new Set(paths.flatMap((path) => [path, ...(depmod.get(path) ?? [])]));
    const all = new Map(
      [...relevant].map((path) => {
        const depends = readModinfo(readFileSync(`${dir}/${path}`), path).get("depends")?.[0] ?? "";
        const module = {
          name: moduleName(path),
          path,
          depends: depends.split(",").filter(Boolean).map(moduleName),
        };
        return [module.name, module] as const;
      }),
    );
    const closure = moduleClosure(wanted, all);
    expect(closure.length).toBe(relevant.size);
    for (const line of formatModulesDep(closure).trim().split("\n")) {
      const [path = "", deps = ""] = line.split(":");
      const ours = deps.trim().split(/\s+/).filter(Boolean);
      expect(new Set(ours), path).toEqual(new Set(depmod.get(path)));
      // each dependency comes before the dependencies it needs itself
      ours.forEach((dep, index) => {
        for (const needed of depmod.get(dep) ?? [])
          expect(ours.indexOf(needed), `${path}: ${dep}`).toBeGreaterThan(index);
      });
    }
  });
});
