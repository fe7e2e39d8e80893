/**
 * `WWW-Authenticate` challenges (RFC 7235 §2.1 and §4.1, RFC 9110 §11.6.1): one header may hold
 * several comma-separated challenges, each a case-insensitive scheme followed by either a token68 or
 * comma-separated `name=value` parameters, values being tokens or quoted strings with `\` escapes.
 * The registry's choice is then read from them (distribution `registry/client/auth`): Bearer with a
 * `realm` (the token server), `service` and `scope`, preferred over Basic as Docker prefers it.
 * Other schemes (Negotiate, Digest…) are parsed and ignored.
 */
import { OciError } from "../errors.js";
import { describeScopes } from "./credentials.js";

/** One parsed challenge. Parameter names are lower-cased (they are case-insensitive). */
export interface Challenge {
  /** Lower-cased: `bearer`, `basic`. */
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
  readonly token68?: string;
}

/** The challenge ocikit answers. */
export type RegistryChallenge =
  | {
      readonly scheme: "bearer";
      /** The token server. */
      readonly realm: URL;
      readonly service?: string;
      /** The scope the registry asked for (it may add to what the client asked for). */
      readonly scope?: string;
      /** `insufficient_scope`, `invalid_token`… when the registry says why (RFC 6750 §3). */
      readonly error?: string;
    }
  | { readonly scheme: "basic"; readonly realm?: string };

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;
// `name BWS "="` not followed by more "=" and then the end of the challenge: a parameter. (`abc=`
// or `abc==` at the end of a challenge is a token68 with padding.)
const PARAM_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=(?!=*[ \t]*(?:,|$))/;

/**
 * Parses a `WWW-Authenticate` header into its challenges.
 * @param context what the header came from, for messages (`localhost:5000`)
 * @throws {OciError} OCI_REGISTRY_ERROR when the header is malformed
 */
export function parseChallenges(header: string, context = "WWW-Authenticate"): Challenge[] {
  let pos = 0;
  const rest = (): string => header.slice(pos);
  const skip = (chars: RegExp): void => {
    while (pos < header.length && chars.test(header.charAt(pos))) pos++;
  };
  const take = (pattern: RegExp): string | undefined => {
    const match = pattern.exec(rest());
    if (match) pos += match[0].length;
    return match?.[0];
  };
  const atEndOfChallenge = (): boolean => pos >= header.length || header.charAt(pos) === ",";
  const malformed = (why: string): never => {
    const shown = header.length > 160 ? `${header.slice(0, 160)}…` : header;
    throw new OciError(
      "OCI_REGISTRY_ERROR",
      `${context}: malformed WWW-Authenticate header (${why} at character ${pos + 1} of ${JSON.stringify(shown)}); ` +
        "the registry or a proxy in front of it is misconfigured",
    );
  };
  const readQuoted = (): string => {
    let out = "";
    for (pos++; pos < header.length; pos++) {
      const c = header.charAt(pos);
      if (c === '"') {
        pos++;
        return out;
      }
      if (c === "\\") pos++; // quoted-pair: the next character stands for itself
      if (pos < header.length) out += header.charAt(pos);
    }
    return malformed("unterminated quoted string");
  };
  const readParams = (): Record<string, string> => {
    const params: Record<string, string> = {};
    while (true) {
      const name = (take(TOKEN) ?? "").toLowerCase();
      skip(/[ \t]/);
      pos++; // the "=" PARAM_START saw
      skip(/[ \t]/);
      const value =
        header.charAt(pos) === '"' ? readQuoted() : (take(TOKEN) ?? malformed(`no value for "${name}"`));
      // RFC 7235: each parameter name appears once; the first is kept.
      if (!Object.hasOwn(params, name)) params[name] = value;
      skip(/[ \t]/);
      if (pos >= header.length) return params;
      if (header.charAt(pos) !== ",") return malformed(`unexpected ${JSON.stringify(header.charAt(pos))}`);
      skip(/[ \t,]/);
      if (!PARAM_START.test(rest())) return params; // the next challenge begins
    }
  };

  const challenges: Challenge[] = [];
  while (true) {
    skip(/[ \t,]/);
    if (pos >= header.length) break;
    const scheme = take(TOKEN) ?? malformed(`unexpected ${JSON.stringify(header.charAt(pos))}`);
    if (!atEndOfChallenge() && !/[ \t]/.test(header.charAt(pos))) {
      malformed(`unexpected ${JSON.stringify(header.charAt(pos))} after "${scheme}"`);
    }
    skip(/[ \t]/);
    let params: Record<string, string> = {};
    let token68: string | undefined;
    if (PARAM_START.test(rest())) {
      params = readParams();
    } else if (!atEndOfChallenge()) {
      token68 = take(TOKEN68) ?? malformed(`unexpected ${JSON.stringify(header.charAt(pos))}`);
      skip(/[ \t]/);
      if (!atEndOfChallenge()) malformed(`unexpected ${JSON.stringify(header.charAt(pos))} after a token68`);
    }
    challenges.push({ scheme: scheme.toLowerCase(), params, ...(token68 === undefined ? {} : { token68 }) });
  }
  if (challenges.length === 0) malformed("no challenge");
  return challenges;
}

/**
 * The challenge to answer: the first usable Bearer, else the first Basic; `undefined` when the
 * registry offers neither.
 * @throws {OciError} OCI_REGISTRY_ERROR when a Bearer challenge has no usable `realm`
 */
export function pickChallenge(
  challenges: readonly Challenge[],
  context = "WWW-Authenticate",
): RegistryChallenge | undefined {
  const bearer = challenges.find((c) => c.scheme === "bearer");
  if (bearer) {
    const realm = bearer.params.realm;
    let url: URL | undefined;
    try {
      url = realm ? new URL(realm) : undefined;
    } catch {
      // Reported below with the realm text.
      url = undefined;
    }
    if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
      throw new OciError(
        "OCI_REGISTRY_ERROR",
        `${context}: the Bearer challenge's realm ${realm === undefined ? "is missing" : `${JSON.stringify(realm)} is not an http(s) URL`}; the registry is misconfigured`,
      );
    }
    const { service, scope, error } = bearer.params;
    return {
      scheme: "bearer",
      realm: url,
      ...(service ? { service } : {}),
      ...(scope ? { scope } : {}),
      ...(error ? { error } : {}),
    };
  }
  const basic = challenges.find((c) => c.scheme === "basic");
  if (basic)
    return { scheme: "basic", ...(basic.params.realm === undefined ? {} : { realm: basic.params.realm }) };
  return undefined;
}

/**
 * The challenge to answer in a 401's `WWW-Authenticate` header (`null` when it had none).
 * @throws {OciError} OCI_UNAUTHORIZED when there is no challenge or none ocikit can answer,
 *   OCI_REGISTRY_ERROR when the header is malformed
 */
export function readRegistryChallenge(
  header: string | null,
  registry: string,
  scopes: readonly string[],
): RegistryChallenge {
  if (header === null || header.trim() === "") {
    throw new OciError(
      "OCI_UNAUTHORIZED",
      `${registry}: refused ${describeScopes(scopes)} (401) without a WWW-Authenticate challenge; ` +
        "the registry or a proxy in front of it is misconfigured",
    );
  }
  const challenges = parseChallenges(header, registry);
  const challenge = pickChallenge(challenges, registry);
  if (!challenge) {
    const schemes = challenges.map((c) => c.scheme).join(", ");
    throw new OciError(
      "OCI_UNAUTHORIZED",
      `${registry}: asks for ${schemes} authentication, which ocikit does not support (only Bearer and Basic)`,
    );
  }
  return challenge;
}
