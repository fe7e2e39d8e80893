/**
 * Registry image references (distribution/reference grammar): `[registry/]repository[:tag][@digest]`,
 * with Docker's defaults — no registry means `docker.io`, a one-component repository on docker.io
 * gets `library/`, and a reference with neither tag nor digest means `:latest`. The canonical
 * `name` (e.g. `docker.io/library/alpine:latest`) is how the cache names an image.
 */
import { type Digest, isDigest } from "./digest.js";
import { OciError } from "./errors.js";

/** A parsed registry reference. */
export interface RegistryRef {
  /** Registry as named in references: `docker.io`, `localhost:5000`, `ghcr.io`. */
  readonly registry: string;
  /** Repository path, e.g. `library/alpine`. */
  readonly repository: string;
  /** Tag; `latest` when the reference had neither tag nor digest. */
  readonly tag?: string;
  readonly digest?: Digest;
  /** Canonical text: `registry/repository[:tag][@digest]`. */
  readonly name: string;
}

export const DOCKER_HUB = "docker.io";
/** Where Docker Hub's API actually is. */
export const DOCKER_HUB_API = "registry-1.docker.io";

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;

/**
 * Parses a registry reference (an optional `docker://` prefix is accepted).
 * @throws {OciError} OCI_BAD_REFERENCE
 */
export function parseRegistryRef(input: string): RegistryRef {
  const text = input.startsWith("docker://") ? input.slice("docker://".length) : input;
  const bad = (why: string): never => {
    throw new OciError("OCI_BAD_REFERENCE", `invalid image reference "${input}": ${why}`);
  };
  if (text === "") bad("it is empty");
  let rest = text;
  let digest: Digest | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    const d = rest.slice(at + 1);
    if (!isDigest(d)) bad(`"${d}" is not a sha256 digest`);
    digest = d as Digest;
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) bad(`"${tag}" is not a valid tag`);
  }
  let registry = DOCKER_HUB;
  let repository = rest;
  const slash = rest.indexOf("/");
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (/[.:]/.test(first) || first === "localhost" || first !== first.toLowerCase()) {
      registry = first;
      repository = rest.slice(slash + 1);
    }
  }
  if (!DOMAIN.test(registry)) bad(`"${registry}" is not a valid registry host`);
  if (registry === "index.docker.io" || registry === DOCKER_HUB_API) registry = DOCKER_HUB;
  if (registry === DOCKER_HUB && !repository.includes("/")) repository = `library/${repository}`;
  for (const component of repository.split("/")) {
    if (!PATH_COMPONENT.test(component)) {
      bad(
        component !== component.toLowerCase()
          ? `repository names must be lower case ("${component}")`
          : `"${component}" is not a valid repository path component`,
      );
    }
  }
  if (tag === undefined && digest === undefined) tag = "latest";
  const name = `${registry}/${repository}${tag === undefined ? "" : `:${tag}`}${digest === undefined ? "" : `@${digest}`}`;
  return {
    registry,
    repository,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    name,
  };
}

/** The reference with another tag or digest, e.g. to name a manifest by digest. */
export function withDigest(ref: RegistryRef, digest: Digest): RegistryRef {
  return {
    registry: ref.registry,
    repository: ref.repository,
    digest,
    name: `${ref.registry}/${ref.repository}@${digest}`,
  };
}

/** What to ask the registry for: the digest when pinned, else the tag. */
export function manifestReference(ref: RegistryRef): string {
  return ref.digest ?? ref.tag ?? "latest";
}
