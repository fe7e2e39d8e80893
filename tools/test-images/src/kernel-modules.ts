/**
 * Which kernel modules go into the kernel image's `kernel.tar`, and its `modules.dep`. The modules a
 * test needs are named; their dependencies come from each module's `.modinfo` `depends=` (elf.ts),
 * so no host `depmod` is involved. modules.dep has depmod's format (kmod's depmod.c): one line per
 * module, `PATH: DEP…` with paths relative to `/lib/modules/RELEASE/` and every dependency, direct
 * or not, listed so that loading them last to first, then the module, works (modprobe's order).
 */
import { TestImagesError } from "./errors.js";

/** A module as found in the kernel package. */
export interface KernelModule {
  /** The module's name, `-` written `_` (`virtio_net`, `virtio_rng` for `virtio-rng.ko`). */
  readonly name: string;
  /** Its path relative to `/lib/modules/RELEASE/`, e.g. `kernel/drivers/net/virtio_net.ko`. */
  readonly path: string;
  /** Names of the modules it needs (`.modinfo` `depends=`). */
  readonly depends: readonly string[];
}

/** A module's name from its file name: `virtio-rng.ko` → `virtio_rng`. */
export function moduleName(fileName: string): string {
  return (fileName.split("/").at(-1) ?? "").replace(/\.ko(\.(xz|gz|zst))?$/, "").replaceAll("-", "_");
}

/**
 * The modules `wanted` and everything they need, from the modules of the kernel package (`byName`),
 * sorted by path. `lookUp` is asked for each name missing from `byName`.
 * @throws {TestImagesError} `TEST_IMAGES_DEPENDENCY_MISSING` when a module or a dependency is not in the package
 */
export function moduleClosure(
  wanted: readonly string[],
  byName: ReadonlyMap<string, KernelModule>,
): KernelModule[] {
  const found = new Map<string, KernelModule>();
  const visit = (name: string, neededBy: string | undefined): void => {
    if (found.has(name)) return;
    const module = byName.get(name);
    if (!module)
      throw new TestImagesError(
        "TEST_IMAGES_DEPENDENCY_MISSING",
        `kernel module ${name}${neededBy ? ` (needed by ${neededBy})` : ""}: not in the kernel package; is it built in, or named differently?`,
      );
    found.set(name, module);
    for (const dependency of module.depends) visit(dependency, name);
  };
  for (const name of wanted) visit(name, undefined);
  return [...found.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * `modules.dep` for `modules` (which must hold every dependency), in the order given.
 * @throws {TestImagesError} `TEST_IMAGES_DEPENDENCY_MISSING` when a dependency is not among `modules`
 */
export function formatModulesDep(modules: readonly KernelModule[]): string {
  const byName = new Map(modules.map((module) => [module.name, module]));
  const loadOrder = (root: KernelModule): KernelModule[] => {
    const order: KernelModule[] = [];
    const seen = new Set<string>([root.name]);
    const visit = (module: KernelModule): void => {
      for (const name of module.depends) {
        if (seen.has(name)) continue;
        seen.add(name);
        const dependency = byName.get(name);
        if (!dependency)
          throw new TestImagesError(
            "TEST_IMAGES_DEPENDENCY_MISSING",
            `kernel module ${name} (needed by ${module.name}): not among the modules given`,
          );
        visit(dependency);
        order.push(dependency);
      }
    };
    visit(root);
    return order;
  };
  return modules
    .map((module) => {
      const dependencies = loadOrder(module).reverse();
      return `${module.path}:${dependencies.map((dependency) => ` ${dependency.path}`).join("")}\n`;
    })
    .join("");
}
