import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ImagePuller } from "../pull.js";
import { RegistryTransport } from "../registry-transport.js";
import { exportImage } from "./export.js";
import { openImage } from "./image-resolver.js";
import {
  type BuiltImage,
  collect,
  newLayout,
  sha256,
  storeImage,
  tempDir,
} from "./test-support/archive-fixtures.js";

const amd64 = { os: "linux", architecture: "amd64" };

describe("openImage", () => {
  const temp = tempDir();
  let built: BuiltImage;
  let puller: ImagePuller;
  let store: Awaited<ReturnType<typeof newLayout>>;
  const requested: string[] = [];
  let server: Server;
  let registry: string;

  beforeAll(async () => {
    store = await newLayout(join(temp.path, "cache"));
    built = await storeImage(store, temp.path, {
      name: "localhost:5000/team/app:1",
      layers: [{ files: { a: "a" } }],
    });
    // A registry on 127.0.0.1 that knows no image: enough to see that uncached references are pulled.
    server = createServer((req, res) => {
      requested.push(req.url ?? "");
      res.writeHead(404, { "content-type": "application/json" });
      res.end('{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}');
    });
    await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
    registry = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    puller = new ImagePuller({ store, platform: amd64, transport: new RegistryTransport({ retries: 0 }) });
    const image = await openImage("oci:cache:localhost:5000/team/app:1", {
      puller,
      platform: amd64,
      cwd: temp.path,
    });
    writeFileSync(join(temp.path, "app.tar"), await collect(exportImage(image, "oci", { name: "app:1" })));
    writeFileSync(
      join(temp.path, "docker.tar"),
      await collect(exportImage(image, "docker", { name: "app:1" })),
    );
  });
  afterAll(() => {
    server.close();
    temp.remove();
  });

  it.each([
    ["a cached registry reference", "localhost:5000/team/app:1"],
    ["a cached registry reference with docker://", "docker://localhost:5000/team/app:1"],
    ["an OCI layout (relative to cwd)", "oci:cache:localhost:5000/team/app:1"],
    ["an OCI archive", "oci-archive:app.tar"],
    ["an OCI archive by name", "oci-archive:app.tar:docker.io/library/app:1"],
  ])("opens %s with its stored bytes", async (_name, ref) => {
    const image = await openImage(ref, { puller, platform: amd64, cwd: temp.path });
    expect(image.digest).toBe(built.descriptor.digest);
    expect(Buffer.from(await image.rawManifest()).equals(built.manifestBytes)).toBe(true);
    expect(Buffer.from(await image.rawConfig()).equals(built.configBytes)).toBe(true);
  });

  it("opens a docker archive as the manifest it synthesizes", async () => {
    const image = await openImage("docker-archive:docker.tar:app:1", {
      puller,
      platform: amd64,
      cwd: temp.path,
    });
    expect(image.digest).toBe(sha256(await image.rawManifest()));
    expect(await image.rawConfig()).toEqual(built.configBytes);
    expect(image.ref).toBe("docker-archive:docker.tar:app:1");
  });

  it("pulls a registry reference that is not cached", async () => {
    const error = await openImage(`${registry}/team/other:1`, { puller, platform: amd64 }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: "OCI_NOT_FOUND",
      message: expect.stringContaining(`${registry}/team/other:1`),
    });
    expect(requested).toContain("/v2/team/other/manifests/1");
  });

  it.each([
    ["a bad reference", "x@sha256:nothex", "OCI_BAD_REFERENCE"],
    ["a missing archive", "oci-archive:none.tar", "OCI_NOT_FOUND"],
    ["a missing layout", "oci:none", "OCI_NOT_CACHED"],
  ])("refuses %s", async (_name, ref, code) => {
    await expect(openImage(ref, { puller, platform: amd64, cwd: temp.path })).rejects.toMatchObject({
      code,
    });
  });
});
