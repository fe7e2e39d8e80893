import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig, renderConfigYaml } from "@ocikit/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./main.js";
import { createMemoryIo } from "./memory-io.js";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

const BASE_YML = `kernel:
  image: linuxkit/kernel:6.6.13
  cmdline: console=ttyS0
init:
  - linuxkit/init:v1.2.0
services:
  - name: getty
    image: linuxkit/getty:v1.2.0
`;
const EXTRA_YML = `services:
  - name: sshd
    image: linuxkit/sshd:v1.2.0
files:
  - path: etc/motd
    contents: hello
`;
// The four mistakes of issue 2's acceptance check: a misspelt top-level key, an unknown capability,
// a duplicate service name and an unquoted octal mode.
const BAD_YML = `kernel:
  image: linuxkit/kernel:6.6.13
onbot:
  - name: sysctl
    image: linuxkit/sysctl:v1.2.0
services:
  - name: getty
    image: linuxkit/getty:v1.2.0
    capabilities:
      - CAP_SYS_ADMN
  - name: getty
    image: linuxkit/getty:v1.2.0
files:
  - path: etc/motd
    contents: hello
    mode: 0644
`;
const TRUST_YML = `${BASE_YML}trust:
  image:
    - linuxkit/kernel
`;

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-cli-build-"));
  await writeFile(join(dir, "base.yml"), BASE_YML);
  await writeFile(join(dir, "extra.yml"), EXTRA_YML);
  await writeFile(join(dir, "bad.yml"), BAD_YML);
  await writeFile(join(dir, "trust.yml"), TRUST_YML);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], opts: { stdin?: string; cwd?: string } = {}) {
  const io = createMemoryIo({
    cwd: opts.cwd ?? dir,
    ...(opts.stdin === undefined ? {} : { stdin: opts.stdin }),
  });
  const code = await main(argv, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe("ocikit build --dry-run", () => {
  it("prints the normalised configuration of one file and exits 0", async () => {
    const r = await run(["build", "--dry-run", "base.yml"]);
    expect(r).toEqual({
      code: 0,
      stdout: renderConfigYaml(loadConfig([{ path: "base.yml", text: BASE_YML }]).config),
      stderr: "",
    });
    expect(r.stdout).toContain("image: docker.io/linuxkit/getty:v1.2.0");
  });

  it("merges several files in the order given", async () => {
    const r = await run(["build", "--dry-run", "base.yml", join(dir, "extra.yml")]);
    const want = loadConfig([
      { path: "base.yml", text: BASE_YML },
      { path: "extra.yml", text: EXTRA_YML },
    ]).config;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderConfigYaml(want));
    expect(r.stdout).toMatch(/name: getty[\s\S]*name: sshd[\s\S]*path: etc\/motd/);
  });

  it("reads standard input for -, alone or between files", async () => {
    const alone = await run(["build", "--dry-run", "-"], { stdin: EXTRA_YML });
    expect(alone.code).toBe(0);
    expect(alone.stdout).toBe(renderConfigYaml(loadConfig([{ path: "-", text: EXTRA_YML }]).config));

    const mixed = await run(["build", "--dry-run", "base.yml", "-"], { stdin: EXTRA_YML });
    expect(mixed.code).toBe(0);
    expect(mixed.stdout).toMatch(/name: getty[\s\S]*name: sshd/);
  });

  it("prints warnings to stderr as file:line:col: warning: message", async () => {
    const r = await run(["build", "--dry-run", "trust.yml"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^trust\.yml:9:1: warning: trust: is ignored/);
    expect(r.stdout).not.toContain("trust");
  });

  it("dry-runs the bundled 2017 example unchanged: 5 onboot, 6 services, 2 files, 2 outputs", async () => {
    const r = await run(["build", "--dry-run", "examples/docker-sshd-2017.yml"], { cwd: repoRoot });
    const text = await readFile(join(repoRoot, "examples/docker-sshd-2017.yml"), "utf8");
    const { config } = loadConfig([{ path: "examples/docker-sshd-2017.yml", text }]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(renderConfigYaml(config));
    expect([config.onboot.length, config.services.length, config.files.length]).toEqual([5, 6, 2]);
    expect(r.stdout).toContain("outputs:\n  - format: kernel+initrd\n  - format: iso-bios\n");
    expect(r.stderr).toMatch(/^examples\/docker-sshd-2017\.yml:\d+:\d+: warning: trust: is ignored/m);
  });
});

describe("ocikit build errors", () => {
  it("prints every error of an invalid file as file:line:col and exits 2", async () => {
    const r = await run(["build", "--dry-run", "bad.yml"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/^bad\.yml:\d+:\d+: \S/);
    expect(r.stderr).toContain('"onbot"');
    expect(r.stderr).toContain("CAP_SYS_ADMN");
    expect(r.stderr).toContain('"getty"');
    expect(r.stderr).toContain("0644");
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it("names standard input <stdin> in errors", async () => {
    const r = await run(["build", "--dry-run", "-"], { stdin: "services: [\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^<stdin>:\d+:\d+: /);
  });

  it("reports every unreadable file and exits 2", async () => {
    const r = await run(["build", "--dry-run", "missing.yml", "base.yml", "gone.yml"]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr:
        "ocikit build: cannot read missing.yml: no such file or directory\n" +
        "ocikit build: cannot read gone.yml: no such file or directory\n",
    });
  });

  it("rejects - given twice", async () => {
    const r = await run(["build", "--dry-run", "-", "-"], { stdin: BASE_YML });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/standard input\) is given more than once/);
  });

  it("rejects an unknown --format name", async () => {
    const r = await run(["build", "--dry-run", "--format", "kernel+initrd,floppy", "base.yml"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown output format "floppy"');
  });

  it("refuses a format it cannot write yet, and -o with two formats, before pulling anything (exit 2)", async () => {
    const qcow2 = await run(["--cache", "cache", "build", "-f", "qcow2-bios", "base.yml"]);
    expect(qcow2.code).toBe(2);
    expect(qcow2.stderr).toBe(
      'output format "qcow2-bios" is not yet supported by ocikit; this version writes kernel+initrd, tar, tar-kernel-initrd, docker, raw-efi, iso-bios, iso-efi, iso-efi-initrd\n',
    );
    const two = await run(["--cache", "cache", "build", "-f", "tar,docker", "-o", "x.tar", "base.yml"]);
    expect(two.code).toBe(2);
    expect(two.stderr).toContain("-o writes one tar or docker output");
  });

  it("fails with the output's name when it cannot be written (exit 1, no stack)", async () => {
    const r = await run(["--cache", "cache", "build", "-f", "tar", "--dir", "/proc/ocikit-nope", "-"], {
      stdin: "files:\n  - path: etc/x\n    contents: x\n",
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "cannot write /proc/ocikit-nope/moby.tar: the directory cannot be created there (ENOENT)\n",
    );
  });

  it("checks the files before building, and fails naming an image it cannot find (exit 1)", async () => {
    const invalid = await run(["build", "bad.yml"]);
    expect(invalid.code).toBe(2);
    expect(invalid.stderr).toMatch(/^bad\.yml:/);

    const missing = await run(["--cache", "cache", "build", "-f", "tar", "-"], {
      stdin: "init:\n  - oci:./no-such-layout:x\n",
    });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("oci:./no-such-layout:x");
    expect(missing.stderr).not.toMatch(/^\s+at /m);
  });
});
