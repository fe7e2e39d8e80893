/**
 * The images boot, without ocikit's build pipeline: each test lays out a root filesystem by hand as
 * linuxkit-reference.md §3 describes (kernel.tar at /, init images at /, bundles under
 * containers/ with config.json and runtime.json from @ocikit/spec), packs it with GNU cpio, boots
 * it under qemu and reads the console.
 */
import { execFile } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  allocateIds,
  bundleRuntime,
  formatGoJson,
  generateBundleConfigs,
  type ImageEntry,
} from "@ocikit/spec";
import { findFreePort } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_IMAGE_NAMES, type TestImageRole } from "./image-definitions.js";
import { packInitrd, readLayoutImageConfig, unpackLayoutImage } from "./manual-rootfs.js";
import { type BootResult, bootKernel, startVm } from "./qemu-boot.js";
import { sshToGuestArgs } from "./ssh-args.js";
import { buildTestImages, type TestImages } from "./test-images.js";

const run = promisify(execFile);

interface BundleSpec {
  readonly section: "onboot" | "onshutdown" | "services";
  /** The bundle directory's name: `000-hello` for onboot/onshutdown, `name` for services. */
  readonly dir: string;
  readonly role: TestImageRole;
  /** The YAML entry's fields besides name and image. */
  readonly yaml?: Partial<ImageEntry>;
}

let images: TestImages;
let work: string;

beforeAll(async () => {
  images = await buildTestImages();
  work = await mkdtemp(join(tmpdir(), "ocikit-boot-"));
}, 600_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** kernel, init and runc images at /, then each bundle; returns the kernel's path. */
async function assembleRoot(root: string, bundles: readonly BundleSpec[]): Promise<string> {
  const kernelDir = join(root, "..", "kernel-image");
  await unpackLayoutImage(images.layoutDir, images.refs.kernel, kernelDir);
  await mkdir(root, { recursive: true });
  await run("tar", [
    "--extract",
    "--numeric-owner",
    `--file=${join(kernelDir, "kernel.tar")}`,
    `--directory=${root}`,
  ]);
  await unpackLayoutImage(images.layoutDir, images.refs.init, root);
  await unpackLayoutImage(images.layoutDir, images.refs.runc, root);
  const entries = bundles.map((bundle) => ({
    name: bundle.dir.replace(/^\d{3}-/, ""),
    image: TEST_IMAGE_NAMES[bundle.role],
    ...bundle.yaml,
  }));
  const ids = allocateIds({
    onboot: entries.filter((_, i) => bundles[i]?.section === "onboot"),
    onshutdown: entries.filter((_, i) => bundles[i]?.section === "onshutdown"),
    services: entries.filter((_, i) => bundles[i]?.section === "services"),
  });
  for (const [index, bundle] of bundles.entries()) {
    const path = `containers/${bundle.section}/${bundle.dir}`;
    const imageConfig = await readLayoutImageConfig(images.layoutDir, images.refs[bundle.role]);
    const { config, runtime, effective } = generateBundleConfigs(entries[index] as ImageEntry, {
      ids,
      imageConfig,
    });
    const readonly = effective.readonly ?? false;
    await unpackLayoutImage(
      images.layoutDir,
      images.refs[bundle.role],
      join(root, path, readonly ? "rootfs" : "lower"),
    );
    for (const dir of readonly ? [] : ["tmp", "rootfs"]) await mkdir(join(root, path, dir), { mode: 0o755 });
    await writeFile(join(root, path, "config.json"), formatGoJson(config));
    await writeFile(
      join(root, path, "runtime.json"),
      formatGoJson(bundleRuntime(runtime, { path, readonly })),
    );
  }
  return join(kernelDir, "kernel");
}

/** The markers in the order the console showed them. */
function seenInOrder(result: BootResult): string[] {
  return [...result.markersSeen]
    .sort((a, b) => result.console.indexOf(a.line) - result.console.indexOf(b.line))
    .map((hit) => hit.marker.source);
}

describe("the test images boot under qemu", () => {
  it("runs onboot containers, a service and onshutdown, then powers off", async () => {
    const root = join(work, "basic", "root");
    const kernel = await assembleRoot(root, [
      { section: "onboot", dir: "000-hello", role: "hello" },
      { section: "onboot", dir: "001-sysctl", role: "sysctl" },
      {
        section: "onshutdown",
        dir: "000-goodbye",
        role: "hello",
        yaml: { command: ["/bin/sh", "/hello.sh", "goodbye from onshutdown"], readonly: true },
      },
      {
        section: "services",
        dir: "poweroff",
        role: "poweroff",
        yaml: { command: ["/bin/sh", "/poweroff.sh", "1"] },
      },
    ]);
    const initrd = join(work, "basic", "initrd.img");
    await packInitrd(root, initrd);
    const markers = [
      /^ocikit-init: welcome/,
      /^hello from onboot$/,
      /^hello: capabilities: 0000000000000003$/, // the image label's two capabilities
      /^hello: ls \/: .*hello\.sh/,
      /^ocikit-init: onboot 000-hello exited 0$/,
      /^ocikit-sysctl: applied \/etc\/sysctl\.d \(status 0\)$/,
      /^ocikit-poweroff: powering off now$/,
      /^goodbye from onshutdown$/,
      /^ocikit-init: onshutdown 000-goodbye exited 0$/,
      /^ocikit-init: shutdown complete$/,
      /reboot: Power down/,
    ];
    const result = await bootKernel({ kernel, initrd, timeoutMs: 60_000, markers });
    const context = `console:\n${result.consoleTail}`;
    expect(result.markersMissing, context).toEqual([]);
    expect(seenInOrder(result), context).toEqual(markers.map((marker) => marker.source));
    expect(result.ending, context).toBe("exited");
    expect(result.poweredOff).toBe(true);
    expect(result.exitCode).toBe(0);
    expect(result.console).not.toMatch(/insmod .* failed|cannot prepare|runtime\.json mount/);
    console.info(
      `boot to poweroff: ${result.elapsedMs} ms (${result.accel}); banner at ${result.markersSeen[0]?.atMs} ms`,
    );
  }, 120_000);

  it("gets a DHCP lease and lets root in over ssh with a key", async () => {
    const root = join(work, "sshd", "root");
    const kernel = await assembleRoot(root, [
      {
        section: "onboot",
        dir: "000-dhcpcd",
        role: "dhcpcd",
        yaml: { command: ["/bin/sh", "/dhcpcd.sh", "-1"] },
      },
      { section: "services", dir: "sshd", role: "sshd" },
    ]);
    const key = join(work, "sshd", "id_ed25519");
    await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    await mkdir(join(root, "root", ".ssh"), { recursive: true, mode: 0o700 });
    await writeFile(join(root, "root", ".ssh", "authorized_keys"), await readFile(`${key}.pub`));
    await chmod(join(root, "root", ".ssh", "authorized_keys"), 0o600);
    const initrd = join(work, "sshd", "initrd.img");
    await packInitrd(root, initrd);

    const hostPort = await findFreePort();
    const vm = await startVm({
      kernel,
      initrd,
      timeoutMs: 90_000,
      forwardPorts: [{ hostPort, guestPort: 22 }],
    });
    try {
      await vm.waitFor(/^ocikit-dhcpcd: eth0 10\.0\.2\.15\/24 router 10\.0\.2\.2/);
      await vm.waitFor(/Server listening on 0\.0\.0\.0 port 22/);
      const ssh = sshToGuestArgs(key, hostPort);
      const { stdout } = await run(
        "ssh",
        [...ssh, "echo ssh-ok; id -u; cat /hostroot/etc/resolv.conf; ls /containers/services"],
        { timeout: 60_000 },
      );
      expect(stdout).toMatch(/^ssh-ok\n0\n/);
      expect(stdout).toMatch(/nameserver 10\.0\.2\.3/); // dhcpcd wrote it into the host's /run/resolvconf
      expect(stdout).toMatch(/sshd/);
      // pid host: busybox poweroff signals the VM's init, which shuts down cleanly
      await run("ssh", [...ssh, "poweroff"], { timeout: 30_000 }).catch(() => undefined); // the connection may drop
      const result = await vm.result;
      expect(result.poweredOff, `console:\n${result.consoleTail}`).toBe(true);
      console.info(`sshd boot, login, poweroff: ${result.elapsedMs} ms (${result.accel})`);
    } finally {
      await vm.stop();
    }
  }, 180_000);
});
