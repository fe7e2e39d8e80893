/**
 * What a user does, end to end, offline, with ocikit's test images imported into a fresh cache:
 * - `ocikit test examples/minimal.yml --expect …` builds and boots it: the init's banner, the onboot
 *   container's output (run by runc from the generated config.json, with a bind and env from the
 *   YAML), the service, the onshutdown container and a clean poweroff, in that order — the proof that
 *   the layout and config.json are right (issue 4) and that the boot-test harness works (issue 5);
 * - the same with a pattern the guest never prints fails, with the timeout and the console's tail;
 * - the 2017 scenario (../shared/examples/README.md) with `ocikit run` in a real process:
 *   examples/docker-sshd.yml with a fresh key in place of SSH_KEY, `ocikit run qemu --publish
 *   PORT:22`, the banner, `ssh root@127.0.0.1 uname -r` prints the kernel's release, `halt` over ssh
 *   ends the VM and `ocikit run` exits 0.
 * - on a terminal (script(1)), raw mode and the Ctrl-A keys;
 * - `ocikit test -f raw-efi` with the EFI stub from the bootloader test image: OVMF boots the UKI;
 * - the ISO outputs (boot files from the bootloader test image): iso-bios with SeaBIOS, iso-efi with
 *   OVMF, the hybrid iso-efi-initrd both ways as a CD and both ways as a disk (a USB stick).
 * Eleven VM boots (~20 s each under TCG, the last stopped at the banner); bad input boots nothing.
 */
import { execFile, spawn } from "node:child_process";
import { access, copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { findFreePort, sshToGuestArgs, writeTestImagesArchive } from "@ocikit/test-images";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { createMemoryIo } from "../src/memory-io.js";
import { cliArgv, offlineFlags } from "./cli-child.js";

const repo = join(import.meta.dirname, "../../..");
const run = promisify(execFile);
let work: string;
let cache: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-e2e-"));
  const tar = await writeTestImagesArchive(join(work, "images.tar"));
  cache = join(work, "cache");
  const imported = await ocikit(["--cache", cache, "cache", "import", tar]);
  expect(imported.code, imported.stderr).toBe(0);
}, 600_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function ocikit(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = createMemoryIo({ cwd: repo, env: { HOME: work } });
  const code = await main(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

/** Every image from the imported cache; no registry is reachable. */
const offline = () => offlineFlags(cache);

it("ocikit test builds examples/minimal.yml offline and boots it: banner, onboot, service, onshutdown, poweroff", async () => {
  const markers = [
    "^ocikit-init: welcome",
    "^hello from onboot$",
    "^hello: ls /etc/ocikit: example$",
    "^ocikit-init: onboot 001-hello exited 0$",
    "^ocikit-poweroff: powering off now",
    "^goodbye from onshutdown$",
    "reboot: Power down",
  ];
  const tested = await ocikit([
    ...offline(),
    "test",
    ...markers.flatMap((marker) => ["--expect", marker]),
    "--timeout",
    "150",
    "examples/minimal.yml",
  ]);
  expect(tested.stderr).toMatch(
    /ocikit test: passed: 7 patterns seen in [\d.]+ s \(tcg|kvm\); the guest powered off/,
  );
  expect(tested.code, tested.stderr).toBe(0);
  // The console went to stdout, in the guest's order.
  const lines = tested.stdout.replaceAll("\r", "").split("\n");
  const at = markers.map((marker) => lines.findIndex((line) => new RegExp(marker).test(line)));
  expect(
    at.every((index) => index >= 0),
    tested.stdout.slice(-3000),
  ).toBe(true);
  expect([...at].sort((a, b) => a - b)).toEqual(at);
}, 300_000);

it("ocikit test fails with the pattern, the timeout and the console's tail when the guest never prints it", async () => {
  const tested = await ocikit([
    ...offline(),
    "test",
    "--expect",
    "^this line never comes$",
    "--timeout",
    "5",
    "examples/minimal.yml",
  ]);
  expect(tested.code).toBe(1);
  expect(tested.stderr).toMatch(
    /ocikit test: FAILED: not seen on the console within 5 s: \/\^this line never comes\$\//,
  );
  // The tail is the console's own end: its last line is in what the console printed.
  const tail = tested.stderr.slice(tested.stderr.indexOf("the console's last lines:\n") + 26).trim();
  expect(tail.length).toBeGreaterThan(0);
  expect(tested.stdout.replaceAll("\r", "")).toContain(tail.split("\n").at(-1));
}, 120_000);

it("ocikit test -f raw-efi boots the UKI disk through OVMF, its EFI stub from the bootloader image", async () => {
  const tested = await ocikit([
    ...offline(),
    "test",
    "-f",
    "raw-efi",
    "--bootloader-image",
    "ocikit-test/bootloader:1",
    "--expect",
    "^ocikit-init: welcome",
    "--expect",
    "^hello from onboot$",
    "--timeout",
    "150",
    "examples/minimal.yml",
  ]);
  expect(tested.stderr).toMatch(/ocikit: booting \S+minimal-efi\.img \(disk, UEFI\)/);
  expect(tested.stderr).toMatch(/ocikit test: passed: 2 patterns seen/);
  expect(tested.code, tested.stderr.slice(-3000)).toBe(0);
}, 300_000);

describe("the ISO outputs boot, each to the banner and the poweroff service's marker", () => {
  const markers = ["--expect", "^ocikit-init: welcome", "--expect", "^ocikit-poweroff: powering off now"];

  it.each([
    ["iso-bios with SeaBIOS", "iso-bios", []],
    ["iso-efi with OVMF", "iso-efi", []],
    ["the hybrid iso-efi-initrd with SeaBIOS, as a CD", "iso-efi-initrd", []],
    ["the hybrid iso-efi-initrd with OVMF, as a CD", "iso-efi-initrd", ["--uefi"]],
  ])(
    "%s",
    async (_name, format, flags) => {
      const tested = await ocikit([
        ...offline(),
        "test",
        "-f",
        format,
        ...flags,
        "--bootloader-image",
        "ocikit-test/bootloader:1",
        ...markers,
        "--timeout",
        "150",
        "examples/minimal.yml",
      ]);
      expect(tested.stderr).toMatch(/ocikit test: passed: 2 patterns seen/);
      expect(tested.code, tested.stderr.slice(-3000)).toBe(0);
    },
    300_000,
  );

  it.each([
    ["SeaBIOS (isohybrid MBR)", []],
    ["OVMF (the MBR's EFI partition)", ["--uefi"]],
  ])(
    "the hybrid iso-efi-initrd written to a disk boots with %s",
    async (_name, flags) => {
      const dir = join(work, "hybrid");
      const built = await ocikit([
        ...offline(),
        "build",
        "-f",
        "iso-efi-initrd",
        "--bootloader-image",
        "ocikit-test/bootloader:1",
        "--dir",
        dir,
        "examples/minimal.yml",
      ]);
      expect(built.code, built.stderr).toBe(0);
      // A file that does not end in .iso is a disk to ocikit run, as to linuxkit run.
      const disk = join(dir, "usb-stick.img");
      await copyFile(join(dir, "minimal-efi-initrd.iso"), disk);
      const ran = await ocikit([
        "run",
        ...flags,
        "--timeout",
        "150",
        "--state",
        join(dir, `state${flags.join("")}`),
        disk,
      ]);
      expect(ran.stderr).toMatch(/\(disk(, UEFI)?\)/);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toMatch(/^ocikit-init: welcome/m);
      expect(ran.stdout).toMatch(/^ocikit-poweroff: powering off now/m);
    },
    300_000,
  );
});

/** A child process whose output is collected, with a wait for a pattern in it. */
function watchChild(program: string, args: string[]) {
  const child = spawn(program, args, {
    cwd: work,
    env: { ...process.env, HOME: work },
    stdio: ["pipe", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => {
    output.stdout += chunk.toString("utf8").replaceAll("\r", "");
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output.stderr += chunk.toString("utf8");
  });
  const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
  const waitFor = async (pattern: RegExp, what: string) => {
    for (const started = Date.now(); !pattern.test(output.stdout); ) {
      if (child.exitCode !== null || Date.now() - started > 150_000)
        throw new Error(`no ${what}: ${output.stderr}\n${output.stdout.slice(-3000)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const kill = async () => {
    child.kill("SIGKILL");
    await exited;
  };
  return { child, output, exited, waitFor, kill };
}

it("the 2017 scenario: ocikit run --publish, the banner, ssh uname -r, halt over ssh, exit 0", async () => {
  const key = join(work, "id_ed25519");
  await run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
  const yaml = (await readFile(join(repo, "examples/docker-sshd.yml"), "utf8")).replace(
    '"SSH_KEY"',
    JSON.stringify((await readFile(`${key}.pub`, "utf8")).trim()),
  );
  await writeFile(join(work, "docker-sshd.yml"), yaml);
  const built = await ocikit([...offline(), "build", "--dir", work, join(work, "docker-sshd.yml")]);
  expect(built.code, built.stderr).toBe(0);

  const hostPort = await findFreePort();
  const [program = "", ...args] = cliArgv([
    "--cache",
    cache,
    "run",
    "qemu",
    "--publish",
    `${hostPort}:22`,
    "docker-sshd",
  ]);
  const { output, exited, waitFor, kill } = watchChild(program, args);
  try {
    await waitFor(/^ocikit-init: welcome/m, "banner");
    await waitFor(/Server listening on 0\.0\.0\.0 port 22/, "sshd");
    expect(output.stderr).toMatch(new RegExp(`127\\.0\\.0\\.1:${hostPort} → guest 22/tcp`));
    const ssh = sshToGuestArgs(key, hostPort);
    const { stdout: release } = await run("ssh", [...ssh, "uname -r"], { timeout: 60_000 });
    // The test kernel is Debian's (ocikit-test/kernel:6.1), and the banner says which release.
    expect(release.trim()).toMatch(/^6\.1\.\d+-\d+-amd64$/);
    expect(output.stdout).toContain(`(Linux ${release.trim()},`);
    await run("ssh", [...ssh, "halt"], { timeout: 60_000 });
    expect(await exited).toBe(0);
    expect(output.stderr).toMatch(/ocikit run: the guest halted after [\d.]+ s/);
    expect(output.stdout).toContain("reboot: System halted");
  } finally {
    await kill();
  }
}, 300_000);

it("on a terminal, ocikit run puts it in raw mode: Ctrl-A h lists the keys, Ctrl-A x stops the VM, exit 0", async () => {
  const built = await ocikit([...offline(), "build", "--dir", work, "--name", "tty", "examples/minimal.yml"]);
  expect(built.code, built.stderr).toBe(0);
  // script(1) gives the CLI a pseudo-terminal as its standard input and output.
  const command = cliArgv(["--cache", cache, "run", "tty"])
    .map((word) => `'${word}'`)
    .join(" ");
  // The terminal's output (the console and ocikit's own lines) all comes out of script's stdout.
  const { child, output, exited, waitFor, kill } = watchChild("script", ["-qfec", command, "/dev/null"]);
  try {
    await waitFor(/Ctrl-A h for the console keys/, "start line");
    await waitFor(/ocikit-init: welcome/, "banner");
    child.stdin.write("\x01h");
    await waitFor(/Ctrl-A x {7}stop the VM at once/, "help");
    child.stdin.write("\x01x");
    expect(await exited).toBe(0);
    expect(output.stdout).toMatch(/ocikit run: the VM was killed after [\d.]+ s/);
    expect(output.stdout).not.toContain("reboot: Power down");
  } finally {
    await kill();
  }
}, 300_000);

it("ocikit dev serves its page with a token, refuses a foreign Origin, and leaves nothing when interrupted", async () => {
  const [program = "", ...args] = cliArgv([
    ...offline(),
    "dev",
    "--no-open",
    join(repo, "examples/minimal.yml"),
  ]);
  const { child, output, exited, kill } = watchChild(program, args);
  try {
    for (const started = Date.now(); !/the page is at (\S+)/.test(output.stderr); ) {
      if (child.exitCode !== null || Date.now() - started > 60_000)
        throw new Error(`no page: ${output.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const url = new URL(/the page is at (\S+)/.exec(output.stderr)?.[1] ?? "");
    const token = url.searchParams.get("token") ?? "";
    expect(token).toMatch(/^[0-9a-f]{64}$/);
    const state = await fetch(`${url.origin}/api/state?token=${token}`);
    expect(state.status).toBe(200);
    expect(await state.json()).toMatchObject({
      type: "hello",
      files: expect.arrayContaining([expect.stringMatching(/minimal\.yml$/)]),
    });
    expect((await fetch(`${url.origin}/api/state`)).status).toBe(403);
    expect(
      (await fetch(`${url.origin}/api/state?token=${token}`, { headers: { Origin: "http://evil.example" } }))
        .status,
    ).toBe(403);
    const temp = /building into (\S+);/.exec(output.stderr)?.[1] ?? "";
    await access(temp); // the build directory exists while it runs…
    child.kill("SIGINT");
    expect(await exited).toBe(130);
    await expect(access(temp)).rejects.toThrow(); // …and is gone after Ctrl-C
  } finally {
    await kill();
  }
}, 120_000);

describe("bad input boots nothing", () => {
  // A kernel prefix whose files exist (their contents do not matter before qemu starts).
  let fake: string;
  beforeAll(async () => {
    fake = join(work, "fake");
    await writeFile(`${fake}-kernel`, "not a kernel");
  });

  it("names every file looked for when the artifacts are missing (exit 2)", async () => {
    const result = await ocikit(["run", join(work, "nothing")]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${join(work, "nothing")}-kernel`);
  });

  it("says a published port is taken before booting (exit 1)", async () => {
    const server = createServer().listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const result = await ocikit([
        "run",
        "--publish",
        `${port}:22`,
        "--state",
        join(work, "busy-state"),
        fake,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      await expect(access(join(work, "busy-state"))).rejects.toThrow();
    } finally {
      server.close();
    }
  });

  it("names the Debian package when qemu is not installed (exit 1)", async () => {
    const result = await ocikit(["run", "--qemu", join(work, "no-such-dir/qemu-system-x86_64"), fake]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("apt-get install qemu-system-x86");
  });

  it("explains that xhyve and HyperKit run only on macOS", async () => {
    const result = await ocikit(["run", "xhyve", fake]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/xhyve is a macOS hypervisor .* use ocikit run qemu here/);
  });

  it("refuses --data with --data-file and an unknown backend (exit 2)", async () => {
    expect((await ocikit(["run", "--data", "x", "--data-file", "y", fake])).code).toBe(2);
    const unknown = await ocikit(["run", "vbox", fake]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown backend "vbox"; expected one of qemu, xhyve, hyperkit/);
  });
});
