/**
 * Golden listings (test-fixtures/build): each case's config is built with `ocikit build -f
 * kernel+initrd,tar` against synthetic images (GNU tar layers, fixed times, so their digests never
 * change), and `ocikit inspect` of the tar and of the initrd must match the committed listings
 * (path, type, mode, owner, size, digest, link target, grouped by section). Regenerate with
 * tools/dev/update-goldens.sh and read the diff.
 */
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTar } from "@ocikit/oci";
import { buildLayout } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { createMemoryIo } from "../src/memory-io.js";
import { expectGolden } from "./golden.js";

const corpus = join(import.meta.dirname, "../../../test-fixtures/build");
const cases = (await readdir(corpus, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
let work: string;

async function tarOf(files: { path: string; contents: string }[]): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  async function* entries() {
    for (const f of files) {
      const bytes = new TextEncoder().encode(f.contents);
      yield { path: f.path, type: "file" as const, mode: 0o644, uid: 0, gid: 0, mtime: 1_000, size: bytes.length, body: async function* () { yield bytes; } };
    }
  }
  for await (const c of writeTar(entries())) parts.push(c);
  return Buffer.concat(parts);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-golden-"));
  const apk = (pkg: string) => ({ path: "lib/apk/db/installed", contents: `P:${pkg}\nV:1.0\n` });
  await buildLayout({
    dir: join(work, "layout"),
    images: [
      {
        name: "kernel",
        layers: [
          {
            files: [
              { path: "kernel", contents: "KERNEL IMAGE\n" },
              { path: "kernel.tar", contents: await tarOf([{ path: "lib/modules/6.1.0/modules.dep", contents: "kernel/fs/overlay.ko:\n" }]) },
              { path: "System.map", contents: "dropped\n" },
            ],
          },
        ],
      },
      {
        name: "init",
        layers: [
          {
            files: [
              { path: "bin/busybox", contents: "BUSYBOX\n", mode: 0o755 },
              { path: "bin/sh", type: "hardlink", linkTarget: "bin/busybox" },
              { path: "init", type: "symlink", linkTarget: "/bin/sh" },
              { path: "dev/console", contents: "" },
              { path: "etc/hosts", contents: "theirs\n" },
              { path: "etc/resolv.conf", contents: "nameserver 10.0.0.1\n" },
              { path: "etc/hostname", contents: "box\n" },
              apk("busybox"),
            ],
          },
        ],
      },
      { name: "apk", layers: [{ files: [apk("runc"), { path: "usr/bin/runc", contents: "RUNC\n", mode: 0o755 }] }] },
      {
        name: "app",
        layers: [{ files: [{ path: "bin/app", contents: "APP\n", mode: 0o755 }, { path: "etc/mtab", type: "symlink", linkTarget: "/proc/self/mounts" }] }],
        config: { Cmd: ["/bin/app"], Env: ["PATH=/bin"], Labels: { "org.mobyproject.config": '{"capabilities":["CAP_NET_ADMIN"],"pid":"host"}' } },
      },
    ],
  });
}, 60_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function ocikit(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const io = createMemoryIo({ cwd, env: { HOME: cwd } });
  const code = await main(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe("golden build listings", () => {
  it("has cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(3);
  });

  it.each(cases)("%s", async (name) => {
    const dir = join(work, name);
    await cp(join(corpus, name), dir, { recursive: true });
    await cp(join(work, "layout"), join(dir, "layout"), { recursive: true });
    const built = await ocikit(["--cache", join(work, "cache"), "build", "-f", "kernel+initrd,tar", "--no-sbom", "config.yml"], dir);
    expect(built.stderr).not.toMatch(/error|warning/i);
    expect(built.code).toBe(0);
    const tar = await ocikit(["inspect", "config.tar"], dir);
    expect(tar.code).toBe(0);
    expectGolden(join(corpus, name, "expected-tar.txt"), tar.stdout);
    const initrd = await ocikit(["inspect", "config-initrd.img"], dir);
    expect(initrd.code).toBe(0);
    expectGolden(join(corpus, name, "expected-initrd.txt"), initrd.stdout);
    expect(await readFile(join(dir, "config-kernel"), "utf8")).toBe("KERNEL IMAGE\n");
  });
});
