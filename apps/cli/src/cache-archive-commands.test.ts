import { execFileSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { MediaType, OciLayoutStore, sha256Digest } from "@ocikit/oci";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "./cli-io.js";
import { main } from "./main.js";
import { createMemoryIo } from "./memory-io.js";

const work = mkdtempSync(join(tmpdir(), "ocikit-cli-archive-"));
const at = (name: string) => join(work, name);

/** A layer made by GNU tar from a file tree (path → contents; `.wh.NAME` is a whiteout). */
function layer(files: Record<string, string>): Buffer {
  const dir = mkdtempSync(join(work, "layer-"));
  chmodSync(dir, 0o755);
  for (const [path, contents] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), contents);
  }
  return execFileSync("tar", [
    "--sort=name",
    "--mtime=@0",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "-C",
    dir,
    "-cf",
    "-",
    ".",
  ]);
}

/** An OCI layout with one image, `v1`: two layers, the second whiting out a file of the first. */
async function buildLayout(dir: string): Promise<string> {
  const store = await OciLayoutStore.open(dir, { create: true });
  const tars = [
    layer({ "etc/keep": "keep\n", "etc/gone": "gone\n" }),
    layer({ "etc/.wh.gone": "", "etc/new": "new\n" }),
  ];
  const blobs = tars.map((tar) => gzipSync(tar));
  const layers = [];
  for (const blob of blobs) layers.push(await store.writeBytes(blob, MediaType.ociLayerGzip));
  const config = await store.writeBytes(
    Buffer.from(
      JSON.stringify({
        architecture: "amd64",
        os: "linux",
        rootfs: { type: "layers", diff_ids: tars.map((t) => sha256Digest(t)) },
      }),
    ),
    MediaType.ociConfig,
  );
  const manifest = await store.writeBytes(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociManifest, config, layers }, null, 2),
    ),
    MediaType.ociManifest,
  );
  await store.setName("v1", manifest);
  return manifest.digest;
}

async function run(
  argv: string[],
  io: CliIo & { stdoutText(): string; stderrText(): string } = createMemoryIo({ cwd: work }),
) {
  const code = await main(["--arch", "amd64", "--cache", at("cache"), ...argv], io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

/**
 * A read-only registry on 127.0.0.1 serving the layout's `v1` as `x:1` (manifests and blobs by
 * digest), recording the paths asked for: just enough of the distribution API for a pull.
 */
async function serveLayout(dir: string, requests: string[]): Promise<{ server: Server; host: string }> {
  const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
  const top = index.manifests[0];
  const server = createServer((req, res) => {
    const path = req.url ?? "";
    requests.push(path);
    const blob = /^\/v2\/x\/(manifests|blobs)\/(.+)$/.exec(path);
    const digest = blob?.[2] === "1" ? top.digest : blob?.[2];
    const file = digest?.startsWith("sha256:") ? join(dir, "blobs/sha256", digest.slice(7)) : "";
    if (path === "/v2/" || (file && existsSync(file))) {
      const body = path === "/v2/" ? Buffer.from("{}") : readFileSync(file);
      res.writeHead(200, {
        "content-type": blob?.[1] === "manifests" ? top.mediaType : "application/octet-stream",
        "content-length": body.length,
        ...(digest ? { "docker-content-digest": digest } : {}),
      });
      res.end(req.method === "HEAD" ? undefined : body);
      return;
    }
    res.writeHead(404, { "content-type": "application/json" });
    res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"unknown"}]}');
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  return { server, host: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const tarList = (file: string) => execFileSync("tar", ["-tf", file]).toString().trim().split("\n").sort();

describe("ocikit cache export / import", () => {
  let digest: string;

  beforeAll(async () => {
    digest = await buildLayout(at("layout"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it("exports an oci: layout image as a docker save archive to a file, with nothing left beside it", async () => {
    const r = await run([
      "cache",
      "export",
      "oci:layout:v1",
      "--format",
      "docker",
      "--name",
      "app:1",
      "-o",
      "app-docker.tar",
    ]);
    expect(r).toMatchObject({ code: 0, stdout: "" });
    expect(r.stderr).toContain(`exported oci:layout:v1 ${digest} as docker to ${at("app-docker.tar")}`);
    expect(tarList(at("app-docker.tar"))).toContain("manifest.json");
    const manifest = JSON.parse(
      execFileSync("tar", ["-xOf", at("app-docker.tar"), "manifest.json"]).toString(),
    );
    expect(manifest[0].RepoTags).toEqual(["docker.io/library/app:1"]);
    expect(readdirSync(work).filter((f) => f.includes(".tmp-"))).toEqual([]);
  });

  it("writes the same bytes to standard output with -o -", async () => {
    await run(["cache", "export", "oci:layout:v1", "-o", "app-oci.tar"]);
    const r = await run(["cache", "export", "oci:layout:v1", "-o", "-"]);
    expect(r.code).toBe(0);
    expect(Buffer.from(r.stdout, "latin1").equals(readFileSync(at("app-oci.tar")))).toBe(true);
    expect(tarList(at("app-oci.tar"))).toEqual(expect.arrayContaining(["index.json", "oci-layout"]));
  });

  it("imports a docker archive, lists it, and exports its filesystem from the cache (whiteout applied)", async () => {
    const imported = await run(["cache", "import", "app-docker.tar"]);
    expect(imported).toMatchObject({ code: 0, stdout: "docker.io/library/app:1\n" });
    const ls = await run(["cache", "ls"]);
    expect(ls.stdout).toMatch(/^docker\.io\/library\/app:1 sha256:[a-f0-9]{64} linux\/amd64$/m);
    const fs = await run(["cache", "export", "app:1", "--format", "filesystem", "-o", "fs.tar"]);
    expect(fs.code).toBe(0);
    expect(tarList(at("fs.tar"))).toEqual(["./", "etc/", "etc/keep", "etc/new"]);
  });

  it("imports an OCI layout tar from standard input, with --json", async () => {
    const io = {
      ...createMemoryIo({ cwd: work }),
      stdin: (async function* () {
        yield readFileSync(at("app-oci.tar"));
      })(),
    };
    const r = await run(["--json", "cache", "import", "-"], io);
    expect(r.code).toBe(0);
    // Exported from oci:layout:v1 without --name: the image is named by its digest.
    expect(JSON.parse(r.stdout)).toEqual({ type: "imported", name: digest });
  });

  it("pulls a registry reference that is not cached, then exports it", async () => {
    const requests: string[] = [];
    const { server, host } = await serveLayout(at("layout"), requests);
    try {
      const r = await run(["cache", "export", `${host}/x:1`, "--format", "docker", "-o", "pulled.tar"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`${host}/x:1: resolved ${digest}`);
      expect(requests).toContain("/v2/x/manifests/1");
      const manifest = JSON.parse(
        execFileSync("tar", ["-xOf", at("pulled.tar"), "manifest.json"]).toString(),
      );
      expect(manifest[0].RepoTags).toEqual([`${host}/x:1`]);
      // Cached now: a second export does not ask the registry again.
      requests.length = 0;
      expect((await run(["cache", "export", `${host}/x:1`, "-o", "again.tar"])).code).toBe(0);
      expect(requests).toEqual([]);
      const missing = await run(["cache", "export", `${host}/x:2`, "-o", "x.tar"]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`${host}/x:2`);
    } finally {
      server.close();
    }
  });

  it.each([
    [
      "an unknown format",
      ["cache", "export", "oci:layout:v1", "--format", "zip", "-o", "x.tar"],
      2,
      /Allowed choices are oci, docker, filesystem/,
    ],
    ["export without -o", ["cache", "export", "oci:layout:v1"], 2, /required option '-o, --output <file>'/],
    [
      "a missing archive",
      ["cache", "export", "docker-archive:nope.tar", "-o", "x.tar"],
      1,
      /nope\.tar: no such archive file/,
    ],
    ["a missing import file", ["cache", "import", "nope.tar"], 1, /nope\.tar: no such file/],
    ["an import of a file that is not a tar", ["cache", "import", "layout/oci-layout"], 1, /oci-layout/],
    [
      "an output directory that does not exist",
      ["cache", "export", "oci:layout:v1", "-o", "no/such/x.tar"],
      1,
      /cannot write .*no\/such\/x\.tar/,
    ],
    [
      "an unknown name in a layout",
      ["cache", "export", "oci:layout:v2", "-o", "x.tar"],
      1,
      /no image named "v2"/,
    ],
  ])("fails on %s with exit %s", async (_name, argv, code, message) => {
    const r = await run(argv);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(existsSync(at("x.tar"))).toBe(false);
  });

  it("refuses to write a tar to a terminal", async () => {
    const io = createMemoryIo({ cwd: work });
    const r = await run(["cache", "export", "oci:layout:v1", "-o", "-"], {
      ...io,
      stdout: { ...io.stdout, isTTY: true },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/standard output is a terminal/);
  });

  it("leaves no file when the export fails half-way (a corrupt layer)", async () => {
    execFileSync("cp", ["-a", at("layout"), at("corrupt")]);
    const blobs = join(at("corrupt"), "blobs/sha256");
    const biggest =
      readdirSync(blobs).sort(
        (a, b) => readFileSync(join(blobs, b)).length - readFileSync(join(blobs, a)).length,
      )[0] ?? "";
    const bytes = readFileSync(join(blobs, biggest));
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 1;
    writeFileSync(join(blobs, biggest), bytes);
    const r = await run(["cache", "export", "oci:corrupt:v1", "--format", "filesystem", "-o", "broken.tar"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sha256:/);
    expect(readdirSync(work).filter((f) => f.startsWith("broken.tar"))).toEqual([]);
  });
});
