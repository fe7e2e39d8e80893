/**
 * The configuration file of Debian's docker-registry (distribution 2.8, docs/configuration.md of
 * github.com/distribution/distribution at v2.8.2) for a throwaway test registry: loopback only,
 * filesystem storage, deletes enabled, a fixed HTTP secret, warnings only, and one of no auth,
 * htpasswd Basic auth or token auth. Leaves out TLS, notifications, redis, proxy (pull-through) mode.
 */

/** How the registry authenticates clients. */
export type RegistryAuthConfig =
  | { readonly kind: "none" }
  | { readonly kind: "basic"; readonly realm: string; readonly htpasswdPath: string }
  | {
      readonly kind: "token";
      /** The token endpoint clients are sent to (`WWW-Authenticate: Bearer realm=…`). */
      readonly realm: string;
      /** The `aud` the registry requires in tokens, and the `service` it names in challenges. */
      readonly service: string;
      /** The `iss` the registry requires in tokens. */
      readonly issuer: string;
      /** PEM certificates whose keys may sign tokens (the token's `x5c` chain ends in one, or its `kid` names one). */
      readonly rootCertBundlePath: string;
    };

/** What {@link registryConfigYaml} needs. */
export interface RegistryConfigInput {
  readonly port: number;
  readonly storageDir: string;
  readonly auth: RegistryAuthConfig;
}

// Every test registry uses the same secret: it only signs upload state, and a fixed value keeps
// registries restarted over the same storage able to resume uploads.
const HTTP_SECRET = "ocikit-test-registry-http-secret";

/** The YAML text of a docker-registry configuration for `input`. Pure. */
export function registryConfigYaml(input: RegistryConfigInput): string {
  // JSON strings are valid YAML double-quoted scalars, so paths need no other escaping.
  const q = (value: string) => JSON.stringify(value);
  const lines = [
    "version: 0.1",
    "log:",
    "  level: warn",
    "  formatter: text",
    "  accesslog:",
    "    disabled: true",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${q(input.storageDir)}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: ${q(`127.0.0.1:${input.port}`)}`,
    `  secret: ${q(HTTP_SECRET)}`,
    "  headers:",
    "    X-Content-Type-Options: [nosniff]",
  ];
  const auth = input.auth;
  if (auth.kind === "basic") {
    lines.push("auth:", "  htpasswd:", `    realm: ${q(auth.realm)}`, `    path: ${q(auth.htpasswdPath)}`);
  } else if (auth.kind === "token") {
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${q(auth.realm)}`,
      `    service: ${q(auth.service)}`,
      `    issuer: ${q(auth.issuer)}`,
      `    rootcertbundle: ${q(auth.rootCertBundlePath)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
