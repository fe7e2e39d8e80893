/**
 * skopeo as the independent oracle: it pushes layouts built by layout-builder.ts to a test registry
 * (`skopeo copy --all --preserve-digests oci:DIR:NAME docker://HOST/REPO:TAG`) and reads images
 * back (`skopeo inspect`), so no ocikit code stands between a test image and the registry. Plain HTTP
 * only (`--tls-verify=false`): test registries listen on loopback.
 *
 * Debian 12's skopeo 1.9 only finds images with OCI media types in an OCI layout's index.json
 * ("no descriptor found for reference" otherwise), so an image with Docker media types is handed to
 * skopeo as a copy in its own `dir:` format (manifest.json, DIGEST.manifest.json per instance, blobs
 * named by hex digest), which keeps every byte and digest.
 */
import { copyFile, link, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REF_NAME_ANNOTATION } from "./layout-builder.js";
import { runCommand } from "./run-command.js";

/** Where and as whom to reach a registry: a {@link TestRegistry}, or a fault proxy plus credentials. */
export interface RegistryAccess {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly username?: string;
  readonly password?: string;
}

/** Options of {@link copyLayoutToRegistry}. */
export interface CopyToRegistryOptions {
  /** `REPO[:TAG]` in the registry; default: the image's name in the layout (tag "latest" when it has none). */
  readonly destination?: string;
  readonly signal?: AbortSignal;
}

/** An image in a registry. */
export interface RegistryImage {
  /** `HOST/REPO:TAG` */
  readonly reference: string;
  /** Digest of the manifest or index the tag points to. */
  readonly digest: string;
}

/** Options of {@link inspectWithSkopeo}. */
export interface InspectOptions {
  /** For `docker://` references: credentials (none: anonymous). */
  readonly registry?: RegistryAccess;
  /** `--raw`: the manifest or index bytes as stored. */
  readonly raw?: boolean;
  /** `--config`: the image config. */
  readonly config?: boolean;
  readonly signal?: AbortSignal;
}

/** `REPO:TAG`, adding ":latest" when `name` has no tag. */
function withTag(name: string): string {
  const lastSlash = name.lastIndexOf("/");
  return name.slice(lastSlash + 1).includes(":") ? name : `${name}:latest`;
}

const OCI_TYPES = ["application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json"];

interface DescriptorJson {
  readonly mediaType: string;
  readonly digest: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

interface ManifestJson {
  readonly manifests?: readonly DescriptorJson[];
  readonly config?: DescriptorJson;
  readonly layers?: readonly DescriptorJson[];
}

/**
 * skopeo's name for the image `name` of the layout at `layoutDir`: `oci:DIR:NAME`, or for Docker
 * media types a `dir:` copy made in `scratch`.
 */
async function skopeoSource(layoutDir: string, name: string, scratch: string): Promise<string> {
  const index = JSON.parse(await readFile(join(layoutDir, "index.json"), "utf8")) as ManifestJson;
  const top = index.manifests?.find((entry) => entry.annotations?.[REF_NAME_ANNOTATION] === name);
  if (!top || OCI_TYPES.includes(top.mediaType)) return `oci:${layoutDir}:${name}`; // skopeo reports a missing name
  const blob = (digest: string) => join(layoutDir, "blobs", "sha256", digest.slice("sha256:".length));
  const dir = join(scratch, "dir");
  await mkdir(dir);
  const place = (digest: string, fileName: string) =>
    link(blob(digest), join(dir, fileName)).catch(() => copyFile(blob(digest), join(dir, fileName)));
  await writeFile(join(dir, "version"), "Directory Transport Version: 1.1\n");
  await place(top.digest, "manifest.json");
  const topManifest = JSON.parse(await readFile(blob(top.digest), "utf8")) as ManifestJson;
  const instances = topManifest.manifests ? [...topManifest.manifests] : [];
  const images: ManifestJson[] = instances.length === 0 ? [topManifest] : [];
  for (const instance of instances) {
    await place(instance.digest, `${instance.digest.slice("sha256:".length)}.manifest.json`);
    images.push(JSON.parse(await readFile(blob(instance.digest), "utf8")) as ManifestJson);
  }
  const blobs = new Set(
    images.flatMap((image) => [image.config, ...(image.layers ?? [])]).map((entry) => entry?.digest ?? ""),
  );
  for (const digest of blobs) if (digest) await place(digest, digest.slice("sha256:".length));
  return `dir:${dir}`;
}

function credentialArgs(prefix: "--dest-" | "--", registry: RegistryAccess | undefined): string[] {
  if (registry?.username === undefined) return [`${prefix}no-creds`];
  return [`${prefix}creds`, `${registry.username}:${registry.password ?? ""}`];
}

/**
 * Copies the image `name` of the OCI layout `layoutDir` to `registry` with skopeo, every platform
 * and digest as they are (`skopeo copy --all --preserve-digests oci:DIR:NAME docker://…`).
 * @throws {TestRegistryError} `TEST_REGISTRY_TOOL_MISSING` (skopeo), `TEST_REGISTRY_TOOL_FAILED`
 * @example
 * ```ts
 * const { reference, digest } = await copyLayoutToRegistry(layout.dir, "hello:v1", registry);
 * ```
 */
export async function copyLayoutToRegistry(
  layoutDir: string,
  name: string,
  registry: RegistryAccess,
  options: CopyToRegistryOptions = {},
): Promise<RegistryImage> {
  const reference = `${registry.host}/${withTag(options.destination ?? name)}`;
  const scratch = await mkdtemp(join(tmpdir(), "ocikit-skopeo-"));
  try {
    const digestFile = join(scratch, "digest");
    await runCommand(
      "skopeo",
      [
        // Test images are unsigned; don't depend on the machine's /etc/containers/policy.json.
        "--insecure-policy",
        "copy",
        "--quiet",
        "--all",
        "--preserve-digests",
        "--dest-tls-verify=false",
        ...credentialArgs("--dest-", registry),
        `--digestfile=${digestFile}`,
        await skopeoSource(layoutDir, name, scratch),
        `docker://${reference}`,
      ],
      { signal: options.signal, secrets: registry.password ? [registry.password] : [] },
    );
    return { reference, digest: (await readFile(digestFile, "utf8")).trim() };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Runs `skopeo inspect` on `reference` (`docker://HOST/REPO:TAG`, `oci:DIR:NAME`…) and returns its
 * output: JSON text (the manifest bytes as stored with `raw`).
 * @throws {TestRegistryError} `TEST_REGISTRY_TOOL_MISSING` (skopeo), `TEST_REGISTRY_TOOL_FAILED`
 */
export async function inspectWithSkopeo(reference: string, options: InspectOptions = {}): Promise<string> {
  const isRegistry = reference.startsWith("docker://");
  const { stdout } = await runCommand(
    "skopeo",
    [
      "--insecure-policy",
      "inspect",
      ...(options.raw ? ["--raw"] : []),
      ...(options.config ? ["--config"] : []),
      ...(isRegistry ? ["--tls-verify=false", ...credentialArgs("--", options.registry)] : []),
      reference,
    ],
    { signal: options.signal, secrets: options.registry?.password ? [options.registry.password] : [] },
  );
  return stdout;
}
