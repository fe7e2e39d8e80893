/**
 * Image references: validation against the distribution reference grammar
 * (`[domain/]path[:tag][@digest]`) and LinuxKit's normalisation (linuxkit-reference.md §1.10):
 * one path component gets `docker.io/library/`, two components whose first is not a registry get
 * `docker.io/`, three or more are left alone; no `:latest` is added.
 */
import { fail, ok, type Parsed } from "./result.js";

/** A parsed, normalised image reference. */
export interface ImageRef {
  /** Registry host[:port], e.g. `docker.io`, `localhost:5000`. */
  readonly domain: string;
  /** Repository path, e.g. `library/alpine`. */
  readonly path: string;
  readonly tag?: string;
  readonly digest?: string;
  /** The whole normalised reference, e.g. `docker.io/library/alpine:3.20`. */
  readonly text: string;
}

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = new RegExp(
  `^(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]+)?$`,
);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/;
const NAME_MAX = 255;

/**
 * Image sources other than a registry, in skopeo's transport syntax (`oci:DIR[:NAME]`,
 * `oci-archive:FILE[:NAME]`, `docker-archive:FILE[:NAME]`): ocikit reads images from them without a
 * daemon; they are kept as written.
 */
export const FILE_TRANSPORTS = ["oci:", "oci-archive:", "docker-archive:"] as const;

/** Whether a reference names an image in a file or directory rather than a registry. */
export function isFileTransportRef(ref: string): boolean {
  return FILE_TRANSPORTS.some((t) => ref.startsWith(t));
}

/**
 * LinuxKit's `ReferenceExpand`: adds `docker.io/` or `docker.io/library/` where it applies.
 * `docker://` is dropped; file transports are kept as written.
 */
export function normalizeImageRef(input: string): string {
  if (isFileTransportRef(input)) return input;
  const ref = input.startsWith("docker://") ? input.slice("docker://".length) : input;
  const parts = ref.split("/");
  if (parts.length === 1) return `docker.io/library/${ref}`;
  const first = parts[0] ?? "";
  if (parts.length === 2 && !/[.:]/.test(first) && first !== "localhost") return `docker.io/${ref}`;
  return ref;
}

/** Validates and normalises a reference. */
export function parseImageRef(ref: string): Parsed<ImageRef> {
  if (ref === "") return fail("image reference is empty");
  if (/\s/.test(ref)) return fail(`image reference "${ref}" contains white space`);
  if (isFileTransportRef(ref)) {
    const path = ref.slice(ref.indexOf(":") + 1).split(":")[0] ?? "";
    return path === ""
      ? fail(
          `image reference "${ref}" has an empty path; expected ${ref.slice(0, ref.indexOf(":") + 1)}PATH[:NAME]`,
        )
      : ok({ domain: "", path, text: ref });
  }
  const text = normalizeImageRef(ref);
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest))
      return fail(
        `image reference "${ref}" has an invalid digest "${digest}"; expected sha256:<64 hex digits>`,
      );
    if (digest.startsWith("sha256:") && digest.length !== 7 + 64) {
      return fail(
        `image reference "${ref}" has an invalid digest "${digest}"; a sha256 digest has 64 hex digits`,
      );
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      return fail(
        `image reference "${ref}" has an invalid tag "${tag}"; tags are up to 128 of [A-Za-z0-9_.-], not starting with . or -`,
      );
  }
  const slash = rest.indexOf("/");
  const domain = rest.slice(0, slash);
  const path = rest.slice(slash + 1);
  if (!DOMAIN.test(domain)) return fail(`image reference "${ref}" has an invalid registry "${domain}"`);
  for (const component of path.split("/")) {
    if (PATH_COMPONENT.test(component)) continue;
    if (PATH_COMPONENT.test(component.toLowerCase())) {
      return fail(`image reference "${ref}": repository names must be lower case ("${component}")`);
    }
    return fail(`image reference "${ref}" has an invalid repository path component "${component}"`);
  }
  if (rest.length > NAME_MAX) return fail(`image reference "${ref}" is longer than ${NAME_MAX} characters`);
  return ok({
    domain,
    path,
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
    text,
  });
}
