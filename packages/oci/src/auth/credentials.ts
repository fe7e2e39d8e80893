/**
 * Registry credentials as the authenticator uses them, whatever they came from (the Docker config
 * file, a `docker-credential-*` helper, a test), each carrying a description of where they were
 * looked up so that an authentication failure can say so. Also the two rules that keep secrets out
 * of everything shown to a user: messages are built only from `source` and registry names, and
 * whatever text came from elsewhere (a token server's error body) goes through `redactSecrets`.
 */
import { OciError } from "../errors.js";

/**
 * What a registry can be authenticated with. `source` says where the lookup went, e.g.
 * `/home/u/.docker/config.json auths["myreg:5000"]` or `anonymous, no /home/u/.docker/config.json`;
 * it never holds a secret.
 */
export type Credentials =
  | { readonly kind: "anonymous"; readonly source: string }
  /** A user name and password (Docker config `auth`, or `username`/`password`, or a helper's answer). */
  | { readonly kind: "basic"; readonly username: string; readonly password: string; readonly source: string }
  /** An OAuth2 refresh token (`identitytoken`, or a helper's `<token>` user), exchanged at the token server. */
  | {
      readonly kind: "identity-token";
      readonly identityToken: string;
      readonly username?: string;
      readonly source: string;
    }
  /** A bearer token for the registry itself (`registrytoken`), sent as is. */
  | { readonly kind: "registry-token"; readonly registryToken: string; readonly source: string };

/**
 * Looks up the credentials for a registry (`docker.io`, `localhost:5000`); `undefined` means
 * anonymous. Errors it throws (OCI_CREDENTIALS) reach the caller of the authenticator unchanged.
 */
export type CredentialsLookup = (registry: string) => Promise<Credentials | undefined>;

/** Anonymous credentials with the reason there are no others. */
export function anonymousCredentials(reason: string): Credentials {
  return { kind: "anonymous", source: `anonymous, ${reason}` };
}

/** The value of an `Authorization: Basic` header (RFC 7617) for a user name and password. */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, "utf8").toString("base64")}`;
}

/** Every string that would reveal these credentials if shown: secrets and their Basic encoding. */
export function secretsOf(credentials: Credentials): string[] {
  switch (credentials.kind) {
    case "anonymous":
      return [];
    case "basic":
      return [
        credentials.password,
        basicAuthorization(credentials.username, credentials.password).slice("Basic ".length),
      ];
    case "identity-token":
      return [credentials.identityToken];
    case "registry-token":
      return [credentials.registryToken];
  }
}

// Secrets shorter than this are not searched for: replacing every "a" of a message would make it
// unreadable, and a one- or two-character password is not revealed by a message that happens to
// contain those characters.
const MIN_REDACTED_LENGTH = 3;

/** `text` with every occurrence of each secret replaced by `***`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_REDACTED_LENGTH) out = out.split(secret).join("***");
  }
  return out;
}

/** Scopes as they appear in messages: `repository:a:pull and repository:b:pull,push`. */
export function describeScopes(scopes: readonly string[]): string {
  return scopes.length === 0 ? "the registry" : scopes.join(" and ");
}

/** Everything an authentication failure message is made of. */
export interface AuthFailure {
  readonly registry: string;
  readonly scopes: readonly string[];
  readonly credentials: Credentials;
  /** What the server said, if anything (redacted and shortened here). */
  readonly detail?: string;
}

/**
 * `<registry>: authentication failed for <scope> (credentials: <source>); run "docker login <registry>"`.
 */
export function authenticationFailed(failure: AuthFailure): OciError {
  return new OciError(
    "OCI_UNAUTHORIZED",
    `${failure.registry}: authentication failed for ${describeScopes(failure.scopes)}${said(failure)} ` +
      `(credentials: ${failure.credentials.source}); run "docker login ${failure.registry}"`,
  );
}

/** `<registry>: access to <scope> denied (credentials: <source>); …` — valid credentials, no permission. */
export function accessDenied(failure: AuthFailure): OciError {
  return new OciError(
    "OCI_DENIED",
    `${failure.registry}: access to ${describeScopes(failure.scopes)} denied${said(failure)} ` +
      `(credentials: ${failure.credentials.source}); check that the repository exists and that these ` +
      "credentials may use it",
  );
}

/** A server's words for a message: one line, at most 200 characters, secrets removed. */
export function sanitizeDetail(text: string, secrets: readonly string[]): string {
  const oneLine = redactSecrets(text, secrets)
    .replace(/\p{Cc}+/gu, " ")
    .trim();
  // Redacted before it is cut, so that no part of a secret survives at the cut.
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}…` : oneLine;
}

function said(failure: AuthFailure): string {
  if (!failure.detail) return "";
  const detail = sanitizeDetail(failure.detail, secretsOf(failure.credentials));
  return detail ? ` (${detail})` : "";
}
