/**
 * Platforms (image-index.md "platform"): the host's, the ones `--arch` names, and choosing a
 * manifest from an index. Matching is by os and architecture, and by variant only when one is asked
 * for — LinuxKit's rule (linuxkit-reference.md §5.2.4) — except that arm64 without a variant and
 * arm64/v8 are the same thing.
 */
import { OciError } from "./errors.js";
import type { Descriptor, ImageConfig, ImageIndex, Platform } from "./types.js";

/** The architectures ocikit builds for (`--arch`), in OCI's GOARCH spelling. */
export const ARCHITECTURES = ["amd64", "arm64", "s390x", "riscv64"] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const NODE_TO_OCI: Readonly<Record<string, string>> = {
  x64: "amd64",
  arm64: "arm64",
  s390x: "s390x",
  riscv64: "riscv64",
  ppc64: "ppc64le",
  arm: "arm",
  ia32: "386",
};

/** The platform of a Node `process.arch` value (default: this process's). */
export function hostPlatform(nodeArch: string = process.arch): Platform {
  return { os: "linux", architecture: NODE_TO_OCI[nodeArch] ?? nodeArch };
}

/**
 * Parses `amd64`, `linux/arm64`, `linux/arm/v7` or `arm64/v8` (an os defaults to linux). Also
 * accepts the uname spellings `x86_64` and `aarch64`.
 * @throws {OciError} OCI_PLATFORM_NOT_FOUND for an empty string
 */
export function parsePlatform(text: string): Platform {
  const parts = text.split("/").filter((p) => p !== "");
  if (parts.length === 0)
    throw new OciError("OCI_PLATFORM_NOT_FOUND", "empty platform; expected e.g. amd64 or linux/arm64");
  const [first = "", ...rest] = parts;
  const hasOs = first === "linux" || first === "windows" || first === "darwin";
  const os = hasOs ? first : "linux";
  const [arch = "", variant] = hasOs ? rest : parts;
  const architecture = arch === "x86_64" ? "amd64" : arch === "aarch64" ? "arm64" : arch;
  return { os, architecture, ...(variant ? { variant } : {}) };
}

/** The platform an image config describes (for a manifest no index entry describes). */
export function configPlatform(config: ImageConfig): Platform {
  return {
    os: config.os,
    architecture: config.architecture,
    ...(config.variant ? { variant: config.variant } : {}),
  };
}

/** `linux/arm64/v8`. */
export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join("/");
}

/** Whether an index entry's platform satisfies what is wanted. */
export function platformMatches(have: Platform | undefined, want: Platform): boolean {
  if (!have || have.os !== want.os || have.architecture !== want.architecture) return false;
  if (want.variant === undefined) return true;
  return normalizeVariant(have) === normalizeVariant(want);
}

function normalizeVariant(p: Platform): string | undefined {
  if (p.architecture === "arm64" && (p.variant === undefined || p.variant === "v8")) return "v8";
  return p.variant;
}

/** Whether an index entry is an attestation (BuildKit's `unknown/unknown` manifests). */
export function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.["vnd.docker.reference.type"] === "attestation-manifest" ||
    (descriptor.platform?.os === "unknown" && descriptor.platform.architecture === "unknown")
  );
}

/**
 * The index entry for a platform: the first whose os/architecture (and variant, if asked) match.
 * @throws {OciError} OCI_PLATFORM_NOT_FOUND naming the platforms the index has
 */
export function selectManifest(index: ImageIndex, want: Platform, what: string): Descriptor {
  const found = index.manifests.find((m) => !isAttestation(m) && platformMatches(m.platform, want));
  if (found) return found;
  const available = index.manifests
    .filter((m) => !isAttestation(m) && m.platform)
    .map((m) => formatPlatform(m.platform as Platform));
  throw new OciError(
    "OCI_PLATFORM_NOT_FOUND",
    `${what} has no image for ${formatPlatform(want)}; it has ${available.length > 0 ? available.join(", ") : "no platform-specific images"}${
      available.length > 0 ? " (choose one with --arch)" : ""
    }`,
  );
}

/** The attestation manifests an index attaches to one of its images (for SBOMs). */
export function attestationsFor(index: ImageIndex, manifestDigest: string): Descriptor[] {
  return index.manifests.filter(
    (m) => isAttestation(m) && m.annotations?.["vnd.docker.reference.digest"] === manifestDigest,
  );
}
