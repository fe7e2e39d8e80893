/**
 * The image builder as a command:
 *
 *   pnpm --filter @ocikit/test-images build-images [--out DIR] [--cache DIR]
 *     builds the test images (or finds them in the cache), copies the OCI layout to DIR when asked,
 *     and prints each image's `oci:LAYOUT:NAME` reference and digest;
 *   pnpm --filter @ocikit/test-images push-images --registry HOST:PORT [--cache DIR]
 *     pushes them to a registry over plain HTTP (a local one, e.g. test-registry's `serve`);
 *   pnpm --filter @ocikit/test-images boot --kernel K --initrd I [--cmdline C] [--timeout S] [--marker RE]…
 *     boots a kernel and initrd under qemu, streaming the console, and exits 0 when every marker was
 *     seen and the VM powered off (the demo's boot until `ocikit run` existed; the demo now uses that).
 */
import { cp, mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { OcikitError } from "@ocikit/errors";
import { TEST_IMAGE_ROLES } from "./image-definitions.js";
import { pushTestImages } from "./push-test-images.js";
import { bootKernel } from "./qemu-boot.js";
import { buildTestImages } from "./test-images.js";

const USAGE = `usage: build-images [--out DIR] [--cache DIR]
       push-images --registry HOST:PORT [--cache DIR]
       boot --kernel FILE --initrd FILE [--cmdline TEXT] [--timeout SECONDS] [--marker REGEX]...`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  let values: {
    out?: string;
    cache?: string;
    registry?: string;
    kernel?: string;
    initrd?: string;
    cmdline?: string;
    timeout?: string;
    marker?: string[];
  };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        out: { type: "string" },
        cache: { type: "string" },
        registry: { type: "string" },
        kernel: { type: "string" },
        initrd: { type: "string" },
        cmdline: { type: "string" },
        timeout: { type: "string" },
        marker: { type: "string", multiple: true },
      },
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const cacheDir = values.cache ? resolve(values.cache) : undefined;
  if (command === "build-images") {
    const images = await buildTestImages({ cacheDir });
    let layoutDir = images.layoutDir;
    if (values.out) {
      layoutDir = resolve(values.out);
      await mkdir(layoutDir, { recursive: true });
      await cp(images.layoutDir, layoutDir, { recursive: true });
    }
    console.log(`layout: ${layoutDir} (kernel ${images.kernelRelease})`);
    for (const role of TEST_IMAGE_ROLES)
      console.log(`${role.padEnd(9)} oci:${layoutDir}:${images.refs[role]}  ${images.digests[role]}`);
    return 0;
  }
  if (command === "push-images" && values.registry) {
    const pushed = await pushTestImages({ host: values.registry }, { cacheDir });
    for (const role of TEST_IMAGE_ROLES)
      console.log(`${role.padEnd(9)} ${pushed[role].reference}  ${pushed[role].digest}`);
    return 0;
  }
  if (command === "boot" && values.kernel) {
    const markers = (values.marker ?? []).map((m) => new RegExp(m));
    const result = await bootKernel({
      kernel: resolve(values.kernel),
      ...(values.initrd ? { initrd: resolve(values.initrd) } : {}),
      ...(values.cmdline ? { cmdline: values.cmdline } : {}),
      timeoutMs: Number(values.timeout ?? "120") * 1000,
      markers,
      onConsole: (text: string) => process.stdout.write(text),
    });
    const ok = result.poweredOff && result.markersMissing.length === 0;
    if (!ok) {
      console.error(
        `boot: ${result.timedOut ? "timed out" : result.poweredOff ? "powered off" : `ended (${result.ending})`}; ` +
          `markers not seen: ${result.markersMissing.map(String).join(", ") || "none"}`,
      );
    }
    return ok ? 0 : 1;
  }
  console.error(USAGE);
  return 2;
}

// `build-images | head` closes stdout early; that is not a failure.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") process.exit(0);
  throw error;
});

main(process.argv.slice(2)).then(
  (status) => {
    process.exitCode = status;
  },
  (error: unknown) => {
    if (error instanceof OcikitError) {
      console.error(error.message);
      process.exitCode = 1;
    } else {
      console.error(error);
      process.exitCode = 70;
    }
  },
);
