/**
 * Turns one registry challenge and the credentials looked up for it into an `Authorization` value:
 * Basic from a user name and password (RFC 7617), a registry token as is, or a bearer token from the
 * token server (token-auth.ts). Also the rule for plain HTTP: credentials go to a token server over
 * HTTPS, or over HTTP only when it is a loopback host or the registry's own host (which the user
 * chose to reach over HTTP); anything else is refused rather than sent in the clear to a third host.
 */
import { OciError } from "../errors.js";
import type { RegistryChallenge } from "./challenge.js";
import { authenticationFailed, basicAuthorization, type Credentials } from "./credentials.js";
import { fetchToken, type TokenRequest } from "./token-auth.js";

/** A challenge to answer, with what the token exchange needs. */
export interface ChallengeToAnswer extends Omit<TokenRequest, "realm" | "service"> {
  readonly challenge: RegistryChallenge;
  /** A scope the refusal named, asked for too (as go-containerregistry does), for this token only. */
  readonly extraScope?: string;
}

/** An `Authorization` value and until when to use it. */
export interface ChallengeAnswer {
  readonly authorization: string;
  /** Milliseconds since the epoch; Infinity for Basic and registry tokens. */
  readonly useUntilMs: number;
  /** How it was obtained. */
  readonly method: "Basic" | "registry-token" | "GET" | "POST";
}

/**
 * Answers a challenge.
 * @throws {OciError} OCI_UNAUTHORIZED (Basic asked and no password), OCI_INSECURE_AUTH, and what
 *   `fetchToken` throws
 */
export async function answerChallenge(request: ChallengeToAnswer): Promise<ChallengeAnswer> {
  const { challenge, credentials, registry, scopes, extraScope } = request;
  if (challenge.scheme === "basic") {
    if (credentials.kind !== "basic") {
      const what =
        credentials.kind === "anonymous" ? "there is none" : `an ${credentials.kind} cannot answer it`;
      throw authenticationFailed({
        registry,
        scopes,
        credentials,
        detail: `the registry asks for a user name and password; ${what}`,
      });
    }
    return {
      authorization: basicAuthorization(credentials.username, credentials.password),
      useUntilMs: Number.POSITIVE_INFINITY,
      method: "Basic",
    };
  }
  if (credentials.kind === "registry-token") {
    return {
      authorization: `Bearer ${credentials.registryToken}`,
      useUntilMs: Number.POSITIVE_INFINITY,
      method: "registry-token",
    };
  }
  checkRealm(registry, challenge.realm, credentials);
  const token = await fetchToken({
    ...request,
    realm: challenge.realm,
    ...(challenge.service === undefined ? {} : { service: challenge.service }),
    scopes: extraScope && !scopes.includes(extraScope) ? [...scopes, extraScope] : scopes,
  });
  return { authorization: `Bearer ${token.token}`, useUntilMs: token.useUntilMs, method: token.method };
}

/** Refuses to send credentials over plain HTTP to a token server that is neither loopback nor the registry. */
function checkRealm(registry: string, realm: URL, credentials: Credentials): void {
  if (credentials.kind === "anonymous" || realm.protocol === "https:") return;
  const registryHost = new URL(`http://${registry}`).hostname;
  if (isLoopbackHost(realm.hostname) || realm.hostname === registryHost) return;
  throw new OciError(
    "OCI_INSECURE_AUTH",
    `${registry}: the token server ${realm.origin}${realm.pathname} is plain HTTP on another host; ` +
      `ocikit does not send the credentials (${credentials.source}) over it; serve the token realm over https`,
  );
}

/** Whether a URL hostname is loopback: `localhost`, 127.0.0.0/8, `[::1]`. */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}
