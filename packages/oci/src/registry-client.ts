/**
 * The distribution API calls ocikit makes (distribution spec "Pulling" and "Pushing"): manifests by
 * tag or digest, blobs streamed and verified (resumed with `Range` after an interruption, or read
 * again from the start where the registry ignores ranges), blob existence, uploads (cross-repository
 * mount, monolithic PUT, chunked PATCH) and manifest PUT.
 */
import { type Digest, type ExpectedBlob, verifyBlob } from "./digest.js";
import { OciError } from "./errors.js";
import type { HttpResponse } from "./http-request.js";
import { type ManifestDocument, parseManifest } from "./manifest.js";
import { MANIFEST_MEDIA_TYPES } from "./media-types.js";
import { manifestReference, type RegistryRef } from "./reference.js";
import { type Endpoint, type RegistryTransport, registryMessage } from "./registry-transport.js";

/** Blobs larger than this are uploaded in chunks of this size. */
export const UPLOAD_CHUNK_BYTES = 32 * 1024 * 1024;
/** A blob download that receives nothing for this long is treated as interrupted. */
export const BLOB_IDLE_TIMEOUT_MS = 30_000;

const pullScope = (repository: string): string => `repository:${repository}:pull`;
const pushScope = (repository: string): string => `repository:${repository}:pull,push`;

export interface BlobReadOptions {
  /** Called with the bytes received so far (including resumed ones). */
  readonly onProgress?: (bytesDone: number) => void;
  /** Default BLOB_IDLE_TIMEOUT_MS. */
  readonly idleTimeoutMs?: number;
  /**
   * Whether to verify digest and size here (default true). Pass false only when the consumer verifies
   * itself — the cache's `writeBlob` does — so the bytes are not hashed twice.
   */
  readonly verify?: boolean;
}

/** A client for one registry, over a shared transport. */
export class RegistryClient {
  readonly endpoint: Endpoint;
  readonly #transport: RegistryTransport;

  constructor(transport: RegistryTransport, registry: string) {
    this.#transport = transport;
    this.endpoint = transport.endpoint(registry);
  }

  /**
   * Checks that the endpoint speaks the distribution API (`GET /v2/`), answering an authentication
   * challenge if it sends one. Returns the API version header.
   * @throws {OciError} OCI_NETWORK, OCI_UNAUTHORIZED, OCI_REGISTRY_ERROR (not a registry)
   */
  async ping(): Promise<{ apiVersion: string | undefined }> {
    const response = await this.#transport.request(this.endpoint, {
      method: "GET",
      path: "/v2/",
      scope: [],
      what: `ping of ${this.endpoint.registry}`,
    });
    await response.body.cancel();
    return { apiVersion: response.headers.get("docker-distribution-api-version") ?? undefined };
  }

  /**
   * Fetches the manifest (or index) a reference names. A digest reference is verified against the
   * bytes; so is the registry's Docker-Content-Digest header when it sends one.
   * @throws {OciError} OCI_NOT_FOUND with the registry's answer, OCI_DIGEST_MISMATCH, OCI_BAD_MANIFEST, …
   */
  async getManifest(ref: RegistryRef): Promise<ManifestDocument> {
    const reference = manifestReference(ref);
    const what = `manifest of ${ref.name}`;
    const response = await this.#transport.request(this.endpoint, {
      method: "GET",
      path: `/v2/${ref.repository}/manifests/${reference}`,
      scope: pullScope(ref.repository),
      headers: { Accept: MANIFEST_MEDIA_TYPES.join(", ") },
      what,
    });
    const bytes = new Uint8Array(await response.arrayBuffer());
    const doc = parseManifest(bytes, response.headers.get("content-type") ?? undefined, what);
    const announced = response.headers.get("docker-content-digest");
    if (ref.digest !== undefined && doc.digest !== ref.digest) {
      throw new OciError(
        "OCI_DIGEST_MISMATCH",
        `${what}: the registry sent a manifest with digest ${doc.digest}, not ${ref.digest}`,
      );
    }
    if (announced?.startsWith("sha256:") && announced !== doc.digest) {
      throw new OciError(
        "OCI_DIGEST_MISMATCH",
        `${what}: the manifest's bytes have digest ${doc.digest}, the registry says ${announced}`,
      );
    }
    return doc;
  }

  /**
   * Streams a blob, verified against `blob`. An interrupted or stalled transfer resumes with a Range
   * request from where it stopped (or restarts, skipping what was already passed on, where the
   * registry ignores ranges), within the transport's retry budget.
   * @throws {OciError} OCI_DIGEST_MISMATCH, OCI_SIZE_MISMATCH, OCI_NETWORK, OCI_NOT_FOUND, …
   */
  readBlob(
    repository: string,
    blob: ExpectedBlob,
    what: string,
    options: BlobReadOptions = {},
  ): AsyncIterable<Uint8Array> {
    const raw = this.#resumingBlob(repository, blob, what, options);
    return options.verify === false ? raw : verifyBlob(raw, blob, what);
  }

  async *#resumingBlob(
    repository: string,
    blob: ExpectedBlob,
    what: string,
    options: BlobReadOptions,
  ): AsyncIterable<Uint8Array> {
    let done = 0;
    for (let attempt = 0; ; attempt++) {
      const response = await this.#transport.request(this.endpoint, {
        method: "GET",
        path: `/v2/${repository}/blobs/${blob.digest}`,
        scope: pullScope(repository),
        headers: done > 0 ? { Range: `bytes=${done}-` } : {},
        what,
        idleTimeoutMs: options.idleTimeoutMs ?? BLOB_IDLE_TIMEOUT_MS,
      });
      // 206: the rest from `done`; 200: the whole blob again, so skip what we already passed on.
      let skip = response.status === 206 ? 0 : done;
      if (response.status === 206 && !contentRangeStartsAt(response.headers.get("content-range"), done)) {
        await response.body.cancel();
        throw new OciError(
          "OCI_REGISTRY_ERROR",
          `${what}: the registry answered a Range request for bytes ${done}- with another range`,
        );
      }
      try {
        for await (const chunk of response.body) {
          let piece = chunk;
          if (skip > 0) {
            const n = Math.min(skip, piece.length);
            skip -= n;
            piece = piece.subarray(n);
            if (piece.length === 0) continue;
          }
          done += piece.length;
          options.onProgress?.(done);
          yield piece;
          if (done >= blob.size) break;
        }
      } catch (error) {
        if (error instanceof OciError || !this.#transport.retriesLeft(attempt)) {
          if (error instanceof OciError) throw error;
          throw new OciError(
            "OCI_NETWORK",
            `${what}: the transfer broke off after ${done} of ${blob.size} bytes (${describe(error)}), and retries are exhausted`,
            {
              cause: error,
            },
          );
        }
        await this.#transport.pause(attempt);
        continue;
      }
      if (done >= blob.size) return;
      // The body ended early without an error (a truncated response): resume too.
      if (!this.#transport.retriesLeft(attempt)) {
        throw new OciError(
          "OCI_NETWORK",
          `${what}: the registry sent ${done} of ${blob.size} bytes, and retries are exhausted`,
        );
      }
      await this.#transport.pause(attempt);
    }
  }

  /** Whether the registry has a blob (HEAD). */
  async hasBlob(repository: string, digest: Digest, what: string): Promise<boolean> {
    const response = await this.#transport.request(this.endpoint, {
      method: "HEAD",
      path: `/v2/${repository}/blobs/${digest}`,
      scope: pushScope(repository),
      accept: [404],
      what,
    });
    return response.status !== 404;
  }

  /**
   * Uploads a blob unless the registry has it: first tries a cross-repository mount from
   * `mountFrom` (same registry), then a monolithic PUT, or PATCH chunks for big blobs.
   * `open` must produce the blob's bytes afresh each time it is called (an upload may restart).
   */
  async pushBlob(
    repository: string,
    blob: ExpectedBlob,
    open: () => AsyncIterable<Uint8Array>,
    what: string,
    options: { mountFrom?: string; chunkBytes?: number } = {},
  ): Promise<"exists" | "mounted" | "uploaded"> {
    if (await this.hasBlob(repository, blob.digest, what)) return "exists";
    const scope = options.mountFrom
      ? [pushScope(repository), pullScope(options.mountFrom)]
      : pushScope(repository);
    const query = options.mountFrom
      ? `?mount=${encodeURIComponent(blob.digest)}&from=${encodeURIComponent(options.mountFrom)}`
      : "";
    const start = await this.#transport.request(this.endpoint, {
      method: "POST",
      path: `/v2/${repository}/blobs/uploads/${query}`,
      scope,
      headers: { "Content-Length": "0" },
      what: `upload of ${what}`,
    });
    await start.body.cancel();
    if (start.status === 201) return "mounted";
    let location = uploadLocation(start, this.endpoint.baseUrl, what);
    const chunkBytes = options.chunkBytes ?? UPLOAD_CHUNK_BYTES;
    if (blob.size <= chunkBytes) {
      const bytes = await readAll(open());
      const done = await this.#transport.request(this.endpoint, {
        method: "PUT",
        path: withQuery(location, "digest", blob.digest),
        scope: pushScope(repository),
        headers: { "Content-Type": "application/octet-stream", "Content-Length": String(bytes.length) },
        body: () => bytes,
        what: `upload of ${what}`,
      });
      await done.body.cancel();
      return "uploaded";
    }
    let offset = 0;
    for await (const chunk of rechunk(open(), chunkBytes)) {
      const response = await this.#transport.request(this.endpoint, {
        method: "PATCH",
        path: location,
        scope: pushScope(repository),
        headers: {
          "Content-Type": "application/octet-stream",
          "Content-Length": String(chunk.length),
          "Content-Range": `${offset}-${offset + chunk.length - 1}`,
        },
        body: () => chunk,
        what: `upload of ${what}`,
      });
      await response.body.cancel();
      location = uploadLocation(response, this.endpoint.baseUrl, what);
      offset += chunk.length;
    }
    const done = await this.#transport.request(this.endpoint, {
      method: "PUT",
      path: withQuery(location, "digest", blob.digest),
      scope: pushScope(repository),
      headers: { "Content-Length": "0" },
      what: `upload of ${what}`,
    });
    await done.body.cancel();
    return "uploaded";
  }

  /** Stores a manifest or index under a tag or its digest. */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array,
    mediaType: string,
    what: string,
  ): Promise<void> {
    const response = await this.#transport.request(this.endpoint, {
      method: "PUT",
      path: `/v2/${repository}/manifests/${reference}`,
      scope: pushScope(repository),
      headers: { "Content-Type": mediaType },
      body: () => bytes,
      what,
    });
    await response.body.cancel();
  }

  /** The registry's error text for a response (for callers handling `accept`ed statuses). */
  static async message(response: HttpResponse): Promise<string> {
    return registryMessage(response);
  }
}

function contentRangeStartsAt(header: string | null, offset: number): boolean {
  const match = header?.match(/^bytes (\d+)-/);
  return match ? Number(match[1]) === offset : true;
}

function uploadLocation(response: HttpResponse, base: string, what: string): string {
  const location = response.headers.get("location");
  if (!location)
    throw new OciError("OCI_REGISTRY_ERROR", `upload of ${what}: the registry gave no upload location`);
  return new URL(location, `${base}/`).href;
}

function withQuery(location: string, key: string, value: string): string {
  return `${location}${location.includes("?") ? "&" : "?"}${key}=${encodeURIComponent(value)}`;
}

async function readAll(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

async function* rechunk(chunks: AsyncIterable<Uint8Array>, size: number): AsyncIterable<Uint8Array> {
  let parts: Uint8Array[] = [];
  let length = 0;
  for await (const chunk of chunks) {
    parts.push(chunk);
    length += chunk.length;
    while (length >= size) {
      const all = Buffer.concat(parts);
      yield all.subarray(0, size);
      parts = [all.subarray(size)];
      length -= size;
    }
  }
  if (length > 0) yield Buffer.concat(parts);
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string } }).cause;
  return cause?.code ?? (error as Error).message;
}
