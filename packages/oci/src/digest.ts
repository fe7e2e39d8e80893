/**
 * Content digests (OCI image spec, descriptor.md "Digests"): `algorithm:encoded`. ocikit writes and
 * verifies sha256 (and accepts sha512 when reading); every byte it stores or returns is checked
 * against the digest and size that named it.
 */
import { createHash } from "node:crypto";
import { OciError } from "./errors.js";

/** A validated digest string such as `sha256:9f86…`. */
export type Digest = string & { readonly __digest: true };

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** Whether `text` is a sha256/sha512 digest in canonical (lower-case hex) form. */
export function isDigest(text: string): text is Digest {
  return DIGEST.test(text);
}

/**
 * Validates a digest string.
 * @throws {OciError} OCI_BAD_DIGEST
 */
export function parseDigest(text: string, context = "digest"): Digest {
  if (!isDigest(text))
    throw new OciError(
      "OCI_BAD_DIGEST",
      `${context}: invalid digest "${text}"; expected sha256:<64 hex digits>`,
    );
  return text;
}

/** The algorithm and hex part of a digest. */
export function splitDigest(digest: Digest): { algorithm: "sha256" | "sha512"; encoded: string } {
  const colon = digest.indexOf(":");
  return { algorithm: digest.slice(0, colon) as "sha256" | "sha512", encoded: digest.slice(colon + 1) };
}

/** The sha256 digest of some bytes. */
export function sha256Digest(bytes: Uint8Array | string): Digest {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}` as Digest;
}

/** What a blob is expected to be: its digest and size (a descriptor's core). */
export interface ExpectedBlob {
  readonly digest: Digest;
  readonly size: number;
}

/**
 * Passes `chunks` through while hashing and counting them; when the stream ends, checks digest and
 * size and throws if they differ (a stream that is too long fails as soon as it is). `what` names the
 * blob in messages, e.g. `layer sha256:… of docker.io/library/alpine:3.20`.
 * @throws {OciError} OCI_SIZE_MISMATCH, OCI_DIGEST_MISMATCH
 */
export async function* verifyBlob(
  chunks: AsyncIterable<Uint8Array>,
  expected: ExpectedBlob,
  what: string,
): AsyncIterable<Uint8Array> {
  const { algorithm } = splitDigest(expected.digest);
  const hash = createHash(algorithm);
  let size = 0;
  for await (const chunk of chunks) {
    size += chunk.length;
    if (size > expected.size) {
      throw new OciError(
        "OCI_SIZE_MISMATCH",
        `${what}: more data than the ${expected.size} bytes its descriptor declares`,
      );
    }
    hash.update(chunk);
    yield chunk;
  }
  if (size !== expected.size) {
    throw new OciError(
      "OCI_SIZE_MISMATCH",
      `${what}: got ${size} bytes, its descriptor declares ${expected.size}`,
    );
  }
  const actual = `${algorithm}:${hash.digest("hex")}`;
  if (actual !== expected.digest) {
    throw new OciError(
      "OCI_DIGEST_MISMATCH",
      `${what}: content has digest ${actual}, expected ${expected.digest}`,
    );
  }
}
