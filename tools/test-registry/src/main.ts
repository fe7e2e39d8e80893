/**
 * The harness as a command, for trying ocikit by hand:
 *
 *   pnpm --filter @ocikit/test-registry serve [none|basic|token]
 *     starts a registry, pushes `sample/multi:v1` (amd64 + arm64) and `sample/hello:v1`, prints where
 *     they are and the credentials, and runs until Ctrl-C;
 *   pnpm --filter @ocikit/test-registry large-image
 *     builds (or finds in ~/.cache/ocikit-bench) the benchmark image and prints its layout and sizes.
 */
import type { FilesLayerSpec, ManifestSpec } from "./image-spec.js";
import { buildLargeImage } from "./large-image.js";
import { pushTestImage } from "./push-test-image.js";
import { type RegistryAuth, startRegistry } from "./registry.js";

const sampleBase: FilesLayerSpec = {
  files: [
    { path: "etc/os-release", contents: "ID=ocikit-sample\n" },
    { path: "etc/motd", contents: "removed by the next layer\n" },
  ],
};

function sampleFor(architecture: string, variant?: string): ManifestSpec {
  return {
    platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
    layers: [
      sampleBase,
      {
        files: [
          { path: "etc/motd", type: "whiteout" },
          { path: "etc/arch", contents: `${architecture}\n` },
        ],
      },
    ],
    config: { Cmd: ["/bin/sh"], Labels: { "org.ocikit.sample": architecture } },
  };
}

async function serve(auth: RegistryAuth): Promise<void> {
  const registry = await startRegistry({ auth });
  const multi = await pushTestImage(registry, {
    repository: "sample/multi",
    tag: "v1",
    image: { manifests: [sampleFor("amd64"), sampleFor("arm64", "v8")] },
  });
  const hello = await pushTestImage(registry, {
    repository: "sample/hello",
    tag: "v1",
    image: sampleFor("amd64"),
  });
  console.log(`registry: ${registry.url} (auth: ${auth})`);
  if (registry.username) console.log(`credentials: ${registry.username} / ${registry.password}`);
  if (registry.tokenIssuer) console.log(`token issuer: ${registry.tokenIssuer.realm}`);
  console.log(`images: ${multi.reference} (${multi.digest})`);
  console.log(`        ${hello.reference} (${hello.digest})`);
  console.log("Ctrl-C stops the registry");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await registry.stop();
}

async function largeImage(): Promise<void> {
  const started = Date.now();
  const image = await buildLargeImage();
  console.log(`layout: ${image.layoutDir}`);
  console.log(`reference: ${image.reference} (${image.image.digest})`);
  console.log(`layers: ${image.debs.join(", ")}`);
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
  console.log(`size: ${mb(image.sizeBytes)} compressed, ${mb(image.uncompressedBytes)} uncompressed`);
  console.log(`took: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

const [command, argument] = process.argv.slice(2);
if (command === "serve" && (argument === undefined || ["none", "basic", "token"].includes(argument))) {
  await serve((argument ?? "none") as RegistryAuth);
} else if (command === "large-image") {
  await largeImage();
} else {
  console.error("usage: main.ts serve [none|basic|token] | main.ts large-image");
  process.exitCode = 2;
}
