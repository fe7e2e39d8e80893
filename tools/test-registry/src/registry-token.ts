/**
 * JSON Web Tokens as distribution 2.8's token auth accepts them (registry/auth/token/token.go at
 * v2.8.2; docs/spec/auth/jwt.md). What that version checks, found by trying Debian's 2.8.2+ds1:
 *
 * - the header names the signing key by `x5c` (a base64 DER certificate chain that verifies up to a
 *   certificate of the registry's `rootcertbundle`) or by `kid`, which must be the libtrust
 *   fingerprint of one of those certificates' public keys ({@link libtrustKeyId}); a token with
 *   neither is refused ("unable to get token signing key"); `x5c` wins when both are present;
 * - `alg` is ES256/ES384/ES512 or RS256/RS384/RS512 and an EC signature is JWS's raw `r || s`, not DER;
 * - `iss` equals the configured issuer and `aud` the configured service, as a single string: an
 *   array `aud` makes the token "malformed" in 2.8 (3.0 accepts both);
 * - `exp`/`nbf` hold with 60 s of leeway; `access` lists `{ type, name, actions }` the token grants.
 *
 * Leaves out JWK (`jwk` header) keys and RSA-PSS.
 */
import { createHash, type KeyObject, randomUUID, sign, type X509Certificate } from "node:crypto";

/** One resource a token grants actions on, as in the `access` claim. */
export interface TokenAccess {
  readonly type: string;
  readonly name: string;
  readonly actions: readonly string[];
}

/** Which header fields name the signing key. */
export type TokenKeyHeader = "x5c" | "kid" | "both";

/** What {@link signRegistryToken} puts in a token. */
export interface RegistryTokenInput {
  readonly privateKey: KeyObject;
  readonly certificate: X509Certificate;
  readonly issuer: string;
  readonly audience: string;
  readonly subject: string;
  readonly access: readonly TokenAccess[];
  /** Seconds since the epoch. */
  readonly issuedAt: number;
  readonly expiresInSeconds: number;
  /** Default: "both". */
  readonly keyHeader?: TokenKeyHeader;
  /** Replaces the `kid` (to make a token the registry must refuse). */
  readonly kidOverride?: string;
}

const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32_ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32_ALPHABET[(buffer << (5 - bits)) & 31];
  return out;
}

/**
 * The libtrust key ID of a public key (github.com/docker/libtrust util.go `keyIDFromCryptoKey`): the
 * first 240 bits of the SHA-256 of its DER SubjectPublicKeyInfo, base32, in 12 groups of 4 joined by
 * `:`. Distribution 2.8 looks a token's `kid` up among these IDs of its root certificates' keys.
 */
export function libtrustKeyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: "spki", format: "der" });
  const encoded = base32(createHash("sha256").update(der).digest().subarray(0, 30));
  return encoded.match(/.{4}/g)?.join(":") ?? encoded;
}

function signingAlgorithm(key: KeyObject): { alg: string; hash: string } {
  if (key.asymmetricKeyType === "rsa") return { alg: "RS256", hash: "sha256" };
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === "secp384r1") return { alg: "ES384", hash: "sha384" };
  if (curve === "secp521r1") return { alg: "ES512", hash: "sha512" };
  return { alg: "ES256", hash: "sha256" };
}

const base64url = (data: string | Uint8Array) => Buffer.from(data).toString("base64url");

/** A signed JWT (compact serialisation) that distribution 2.8 accepts for `input.access`. */
export function signRegistryToken(input: RegistryTokenInput): string {
  const { alg, hash } = signingAlgorithm(input.privateKey);
  const keyHeader = input.keyHeader ?? "both";
  const header: Record<string, unknown> = { typ: "JWT", alg };
  if (keyHeader !== "x5c") header.kid = input.kidOverride ?? libtrustKeyId(input.certificate.publicKey);
  if (keyHeader !== "kid") header.x5c = [input.certificate.raw.toString("base64")];
  const claims = {
    iss: input.issuer,
    sub: input.subject,
    aud: input.audience,
    exp: input.issuedAt + input.expiresInSeconds,
    nbf: input.issuedAt - 1,
    iat: input.issuedAt,
    jti: randomUUID(),
    access: input.access,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature = sign(hash, Buffer.from(signingInput), {
    key: input.privateKey,
    dsaEncoding: "ieee-p1363",
  });
  return `${signingInput}.${base64url(signature)}`;
}

/**
 * Parses a token request's `scope` values (`repository:NAME:pull,push`, several per value separated
 * by spaces) into access entries. The name may hold `:` (a resource class or a port): the type ends
 * at the first `:`, the actions start after the last.
 */
export function parseScopes(scopes: readonly string[]): TokenAccess[] {
  const access: TokenAccess[] = [];
  for (const scope of scopes.flatMap((value) => value.split(" ")).filter(Boolean)) {
    const first = scope.indexOf(":");
    const last = scope.lastIndexOf(":");
    if (first < 0 || last === first) continue; // not a resource scope: grant nothing for it
    const type = scope.slice(0, first).replace(/\(.*\)$/, "");
    const actions = scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean);
    access.push({ type, name: scope.slice(first + 1, last), actions });
  }
  return access;
}
