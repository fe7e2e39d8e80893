/**
 * The proof that the layout and config.json are right (issue 4): `ocikit build` of
 * examples/minimal.yml — with ocikit's test images imported into a fresh cache, offline — boots under
 * qemu: the init's banner, the onboot container's output (run by runc from the generated
 * config.json, with a bind and env from the YAML), the service, the onshutdown container and a clean
 * poweroff, in that order; and examples/docker-sshd.yml, with a fresh key in place of SSH_KEY, gets a
 * DHCP lease and lets root in over ssh. Two VM boots (~15 s and ~25 s under TCG).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { bootKernel, buildTestImages, findFreePort, startVm } from "@ocikit/test-images";
import { afterAll, beforeAll, expect, it } from "vitest";
import { main } from "../src/main.js";
import { createMemoryIo } from "../src/memory-io.js";

const repo = join(import.meta.dirname, "../../..");
const run = promisify(execFile);
let work: string;
let cache: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-e2e-"));
  const images = await buildTestImages();
  const tar = join(work, "images.tar");
  await run("tar", ["-C", images.layoutDir, "-cf", tar, "oci-layout", "index.json", "blobs"]);
  cache = join(work, "cache");
  const imported = await ocikit(["--cache", cache, "cache", "import", tar]);
  expect(imported.code, imported.stderr).toBe(0);
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function ocikit(args: string[]): Promise<{ code: number; stderr: string }> {
  const io = createMemoryIo({ cwd: repo, env: { HOME: work } });
  const code = await main(args, io);
  return { code, stderr: io.stderrText() };
}

it("builds examples/minimal.yml offline and boots it: banner, onboot, service, onshutdown, poweroff", async () => {
  // No registry is reachable: every image must come from the cache.
  const built = await ocikit([
    "--cache",
    cache,
    "--mirror",
    "http://127.0.0.1:9",
    "build",
    "--dir",
    join(work, "out"),
    "examples/minimal.yml",
  ]);
  expect(built.stderr).toContain("wrote");
  expect(built.code).toBe(0);

  const boot = await bootKernel({
    kernel: join(work, "out", "minimal-kernel"),
    initrd: join(work, "out", "minimal-initrd.img"),
    cmdline: "console=ttyS0",
    timeoutMs: 150_000,
    markers: [
      /^ocikit-init: welcome/,
      /^hello from onboot$/,
      /^hello: ls \/etc\/ocikit: example$/,
      /^ocikit-init: onboot 001-hello exited 0$/,
      /^ocikit-poweroff: powering off now/,
      /^goodbye from onshutdown$/,
      /reboot: Power down/,
    ],
  });
  expect(boot.markersMissing, boot.consoleTail).toEqual([]);
  expect(boot.poweredOff, boot.consoleTail).toBe(true);
  const order = boot.markersSeen.map((m) => m.marker.source);
  expect(order.indexOf("^hello from onboot$")).toBeLessThan(
    order.indexOf("^ocikit-poweroff: powering off now"),
  );
  expect(order.indexOf("^goodbye from onshutdown$")).toBeLessThan(order.indexOf("reboot: Power down"));
}, 300_000);

it("builds examples/docker-sshd.yml with a key in place of SSH_KEY: DHCP, then root logs in over ssh", async () => {
  const key = join(work, "id_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  const yaml = (await readFile(join(repo, "examples/docker-sshd.yml"), "utf8")).replace(
    '"SSH_KEY"',
    JSON.stringify((await readFile(`${key}.pub`, "utf8")).trim()),
  );
  await writeFile(join(work, "docker-sshd.yml"), yaml);
  const built = await ocikit([
    "--cache",
    cache,
    "--mirror",
    "http://127.0.0.1:9",
    "build",
    "--dir",
    work,
    join(work, "docker-sshd.yml"),
  ]);
  expect(built.code, built.stderr).toBe(0);

  const hostPort = await findFreePort();
  const vm = await startVm({
    kernel: join(work, "docker-sshd-kernel"),
    initrd: join(work, "docker-sshd-initrd.img"),
    cmdline: "console=ttyS0",
    timeoutMs: 150_000,
    forwardPorts: [{ hostPort, guestPort: 22 }],
  });
  try {
    await vm.waitFor(/^ocikit-dhcpcd: eth0 10\.0\.2\.15\/24/);
    await vm.waitFor(/Server listening on 0\.0\.0\.0 port 22/);
    const ssh = [
      "-i",
      key,
      "-p",
      String(hostPort),
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "ConnectTimeout=20",
      "root@127.0.0.1",
    ];
    const { stdout } = await run("ssh", [...ssh, "echo ssh-ok; ls /containers/onboot /containers/services"], {
      timeout: 60_000,
    });
    expect(stdout).toMatch(/^ssh-ok\n/);
    expect(stdout).toMatch(/000-sysctl\n001-dhcpcd/);
    expect(stdout).toMatch(/sshd/);
  } finally {
    await vm.stop();
  }
}, 300_000);
