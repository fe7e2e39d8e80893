/**
 * `ocikit cache …` end to end against Debian's docker-registry (issue 3, "Verify before calling it
 * done"): pull --arch arm64 of a two-platform image, ls, skopeo reading the cache, export of the
 * flattened filesystem (whiteout applied), rm keeping shared blobs, push, and authentication from a
 * Docker config file (token auth), with the secret never printed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { pushTestImage, startRegistry, type TestRegistry } from "@ocikit/test-registry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/main.js";
import { createMemoryIo } from "../src/memory-io.js";

const run = promisify(execFile);
let registry: TestRegistry;
let secured: TestRegistry;
let work: string;
let host: string;

const base = { path: "etc/os-release", contents: "ID=test\n" };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-cli-cache-"));
  [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: "token" })]);
  // "localhost:PORT", as a user would write it: loopback, so plain HTTP.
  host = `localhost:${registry.host.split(":")[1]}`;
  await pushTestImage(registry, {
    repository: "x",
    tag: "tag",
    image: {
      manifests: [
        {
          platform: { os: "linux", architecture: "amd64" },
          layers: [{ files: [base, { path: "bin/tool", contents: "amd64\n" }] }],
        },
        {
          platform: { os: "linux", architecture: "arm64" },
          layers: [
            {
              files: [
                base,
                { path: "bin/tool", contents: "arm64\n" },
                { path: "bin/old", contents: "old\n" },
              ],
            },
            {
              files: [
                { path: "bin/old", type: "whiteout" },
                { path: "bin/new", contents: "new\n" },
              ],
            },
          ],
        },
      ],
    },
  });
  // Shares its first layer (same spec, same bytes) with the arm64 image above.
  await pushTestImage(registry, {
    repository: "y",
    tag: "1",
    image: {
      platform: { os: "linux", architecture: "arm64" },
      layers: [
        { files: [base, { path: "bin/tool", contents: "arm64\n" }, { path: "bin/old", contents: "old\n" }] },
      ],
    },
  });
  await pushTestImage(secured, {
    repository: "private/app",
    tag: "1",
    image: { layers: [{ files: [base] }] },
  });
}, 120_000);

afterAll(async () => {
  await Promise.all([registry?.stop(), secured?.stop()]);
  await rm(work, { recursive: true, force: true });
});

async function ocikit(args: string[], env: Record<string, string> = {}) {
  const io = createMemoryIo({ cwd: work, env: { HOME: work, ...env } });
  const code = await main(args, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe("ocikit cache, against a real registry", () => {
  const cache = (): string => join(work, "cache");

  it("pulls the arm64 image of a two-platform index, lists it, and skopeo agrees", async () => {
    const pulled = await ocikit(["--cache", cache(), "--arch", "arm64", "cache", "pull", `${host}/x:tag`]);
    expect(pulled.stderr).toContain(`${host}/x:tag`);
    expect(pulled.code).toBe(0);
    const [name, indexDigest] = pulled.stdout.trim().split(" ");
    expect(name).toBe(`${host}/x:tag`);

    const ls = await ocikit(["--cache", cache(), "cache", "ls"]);
    expect(ls.stdout).toBe(`${host}/x:tag ${indexDigest} linux/arm64\n`);

    const { stdout } = await run("skopeo", [
      "inspect",
      "--override-arch",
      "arm64",
      `oci:${cache()}:${host}/x:tag`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ Architecture: "arm64", Digest: indexDigest });
    const raw = JSON.parse(
      (await run("skopeo", ["inspect", "--raw", `oci:${cache()}:${host}/x:tag`])).stdout,
    );
    expect(raw.manifests).toHaveLength(2);
  });

  it("exports the flattened filesystem with the whiteout applied", async () => {
    const out = join(work, "fs.tar");
    const exported = await ocikit([
      "--cache",
      cache(),
      "--arch",
      "arm64",
      "cache",
      "export",
      `${host}/x:tag`,
      "--format",
      "filesystem",
      "-o",
      out,
    ]);
    expect(exported.code).toBe(0);
    const { stdout } = await run("tar", ["-tf", out]);
    const names = stdout.split("\n").map((n) => n.replace(/\/$/, ""));
    expect(names).toEqual(expect.arrayContaining(["bin/tool", "bin/new", "etc/os-release"]));
    expect(names).not.toContain("bin/old");
    expect(names.some((n) => n.includes(".wh."))).toBe(false);
    expect((await run("tar", ["-xOf", out, "bin/tool"])).stdout).toBe("arm64\n");
  });

  it("removes an image but keeps the blobs another cached image uses", async () => {
    expect((await ocikit(["--cache", cache(), "--arch", "arm64", "cache", "pull", `${host}/y:1`])).code).toBe(
      0,
    );
    const blobsBefore = new Set(await readdir(join(cache(), "blobs", "sha256")));
    const removed = await ocikit(["--cache", cache(), "cache", "rm", `${host}/x:tag`]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toBe(`removed ${host}/x:tag\n`);
    expect(removed.stderr).toMatch(/^\d+ blobs deleted, 1 kept \(used by other images\)\n$/);
    const blobsAfter = new Set(await readdir(join(cache(), "blobs", "sha256")));
    expect(blobsAfter.size).toBeLessThan(blobsBefore.size);
    // y:1 is whole: it still flattens from the cache, with no registry (the port is closed).
    const y = await ocikit([
      "--cache",
      cache(),
      "--arch",
      "arm64",
      "--mirror",
      "http://127.0.0.1:9",
      "cache",
      "export",
      `${host}/y:1`,
      "--format",
      "filesystem",
      "-o",
      join(work, "y.tar"),
    ]);
    expect(y.code).toBe(0);
    expect((await ocikit(["--cache", cache(), "cache", "rm", `${host}/x:tag`])).code).toBe(1);
  });

  it("pushes a cached image to another repository", async () => {
    const pushed = await ocikit([
      "--cache",
      cache(),
      "cache",
      "push",
      `${host}/y:1`,
      "--remote-name",
      `${registry.host}/copies/y:2`,
    ]);
    expect(pushed.code).toBe(0);
    const { stdout } = await run("skopeo", [
      "inspect",
      "--tls-verify=false",
      `docker://${registry.host}/copies/y:2`,
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ Architecture: "arm64" });
  });

  it("uses credentials from a Docker config file, and never prints the password", async () => {
    const config = join(work, "docker-config");
    await rm(config, { recursive: true, force: true });
    await run("mkdir", ["-p", config]);
    const auth = Buffer.from(`${secured.username}:${secured.password}`).toString("base64");
    await writeFile(join(config, "config.json"), JSON.stringify({ auths: { [secured.host]: { auth } } }));
    const ok = await ocikit(["--cache", cache(), "cache", "pull", `${secured.host}/private/app:1`], {
      DOCKER_CONFIG: config,
    });
    expect(ok.stderr).not.toContain("error");
    expect(ok.code).toBe(0);

    const badAuth = Buffer.from(`${secured.username}:wrong-secret-123`).toString("base64");
    await writeFile(
      join(config, "config.json"),
      JSON.stringify({ auths: { [secured.host]: { auth: badAuth } } }),
    );
    const refused = await ocikit(
      ["--cache", join(work, "cache2"), "cache", "pull", `${secured.host}/private/app:1`],
      { DOCKER_CONFIG: config },
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(secured.host);
    expect(refused.stderr).toContain(join(config, "config.json"));
    expect(refused.stderr + refused.stdout).not.toContain("wrong-secret-123");
    expect(refused.stderr + refused.stdout).not.toContain(badAuth);
  });

  it("names the reference and the registry's answer for an unknown image, and exits 1", async () => {
    const missing = await ocikit(["--cache", cache(), "cache", "pull", `${host}/nope:1`]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(new RegExp(`${host}/nope:1.*not found`));
  });
});
