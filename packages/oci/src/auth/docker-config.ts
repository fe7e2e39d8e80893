/**
 * Credentials from the Docker client's config file (docker/cli `cli/config`: `config.Dir`,
 * `configfile.GetAuthConfig`, `credentials.ConvertToHostname`), the way `docker pull` and
 * go-containerregistry's `authn.DefaultKeychain` find them:
 *
 * - the file is `$DOCKER_CONFIG/config.json` when `DOCKER_CONFIG` is set (and then only that one, as
 *   Docker does), else `~/.docker/config.json`; no file means anonymous;
 * - Docker Hub (`docker.io`, `index.docker.io`, `registry-1.docker.io`) is the key
 *   `https://index.docker.io/v1/`; any other registry is its `host[:port]`, and a key matches when it
 *   is that exactly or when its host part (scheme and path removed: `https://myreg:5000/v2/`) is;
 * - `credHelpers[registry]`, else `credsStore`, names a `docker-credential-*` helper to ask;
 * - `auths[registry]` gives `auth` (base64 `user:password`), `username`/`password`, `identitytoken`
 *   or `registrytoken`.
 *
 * One deviation: when the helper has nothing for the registry but `auths` holds credentials for
 * it, those are used (Docker would go anonymous); an entry written by hand is meant to be used.
 * Not read: the legacy `~/.dockercfg`, podman's `auth.json`, `REGISTRY_AUTH_FILE`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { OciError } from "../errors.js";
import {
  type CredentialHelperRunner,
  getHelperCredentials,
  runCredentialHelper,
} from "./credential-helper.js";
import { anonymousCredentials, type Credentials, type CredentialsLookup } from "./credentials.js";

/** Where to look and how to run helpers. The CLI passes `process.env` and `os.homedir()`. */
export interface DockerConfigOptions {
  /** The environment: `DOCKER_CONFIG` locates the file; helpers run with it (and `PATH` finds them). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The user's home directory, for `~/.docker/config.json`. */
  readonly homeDir: string;
  /** Runs `docker-credential-*`; default {@link runCredentialHelper}. */
  readonly runHelper?: CredentialHelperRunner;
  /** Time a helper may take (it may be waiting for a keychain to unlock); default `DOCKER_CONFIG_DEFAULTS.helperTimeoutMs`. */
  readonly helperTimeoutMs?: number;
}

/** Defaults of {@link DockerConfigOptions}. */
export const DOCKER_CONFIG_DEFAULTS = { helperTimeoutMs: 60_000 } as const;

/** One `auths` entry as written in the file. */
export interface DockerAuthEntry {
  readonly auth?: string;
  readonly username?: string;
  readonly password?: string;
  readonly identitytoken?: string;
  readonly registrytoken?: string;
}

/** The parts of `config.json` that concern credentials. */
export interface DockerConfig {
  /** The file it was read from. */
  readonly path: string;
  readonly auths: Readonly<Record<string, DockerAuthEntry>>;
  readonly credsStore?: string;
  readonly credHelpers: Readonly<Record<string, string>>;
}

/** The key Docker files Docker Hub's credentials under. */
export const DOCKER_HUB_AUTH_KEY = "https://index.docker.io/v1/";
const HUB_HOSTS = new Set(["docker.io", "index.docker.io", "registry-1.docker.io"]);

/** Where the config file is: `$DOCKER_CONFIG/config.json`, else `<homeDir>/.docker/config.json`. */
export function dockerConfigPath(options: Pick<DockerConfigOptions, "env" | "homeDir">): string {
  const dir = options.env.DOCKER_CONFIG;
  return dir ? join(dir, "config.json") : join(options.homeDir, ".docker", "config.json");
}

/** The key a registry's credentials are filed under: `https://index.docker.io/v1/` or `host[:port]`. */
export function dockerAuthKey(registry: string): string {
  const host = hostOfKey(registry);
  return HUB_HOSTS.has(host) ? DOCKER_HUB_AUTH_KEY : host;
}

/**
 * Reads the config file; `undefined` when there is none.
 * @throws {OciError} OCI_CREDENTIALS when it cannot be read or is not a valid config
 */
export async function readDockerConfig(
  options: Pick<DockerConfigOptions, "env" | "homeDir">,
): Promise<DockerConfig | undefined> {
  const path = dockerConfigPath(options);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw new OciError(
      "OCI_CREDENTIALS",
      `${path}: cannot read the Docker config (${code ?? "error"}); fix its permissions`,
      {
        cause: error,
      },
    );
  }
  return parseDockerConfig(text, path);
}

/**
 * Parses a config file's text. Unknown keys are ignored; an empty file is an empty config (as Docker).
 * @throws {OciError} OCI_CREDENTIALS when it is not JSON or a field has the wrong type
 */
export function parseDockerConfig(text: string, path: string): DockerConfig {
  if (text.trim() === "") return { path, auths: {}, credHelpers: {} };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // The parser's message quotes the text around the mistake, which may be a password: left out.
    throw new OciError(
      "OCI_CREDENTIALS",
      `${path}: the Docker config is not valid JSON; fix it or run "docker login" again`,
    );
  }
  const bad = (what: string): never => {
    throw new OciError(
      "OCI_CREDENTIALS",
      `${path}: ${what} in the Docker config; fix it or run "docker login" again`,
    );
  };
  if (!isObject(doc)) return bad("the top level is not an object");
  const auths: Record<string, DockerAuthEntry> = {};
  if (doc.auths !== undefined) {
    if (!isObject(doc.auths)) return bad(`"auths" is not an object`);
    for (const [key, entry] of Object.entries(doc.auths)) {
      if (!isObject(entry)) return bad(`auths["${key}"] is not an object`);
      for (const field of ["auth", "username", "password", "identitytoken", "registrytoken"] as const) {
        if (entry[field] !== undefined && typeof entry[field] !== "string")
          bad(`auths["${key}"].${field} is not a string`);
      }
      auths[key] = entry as DockerAuthEntry;
    }
  }
  const credHelpers: Record<string, string> = {};
  if (doc.credHelpers !== undefined) {
    if (!isObject(doc.credHelpers)) return bad(`"credHelpers" is not an object`);
    for (const [key, helper] of Object.entries(doc.credHelpers)) {
      if (typeof helper !== "string") return bad(`credHelpers["${key}"] is not a string`);
      credHelpers[key] = helper;
    }
  }
  const credsStore = doc.credsStore;
  if (credsStore !== undefined && typeof credsStore !== "string") return bad(`"credsStore" is not a string`);
  return { path, auths, credHelpers, ...(credsStore ? { credsStore } : {}) };
}

/**
 * Looks up a registry's credentials: `credHelpers`, else `credsStore`, else `auths`; anonymous
 * when none has any (the returned `source` says what was looked at).
 * @throws {OciError} OCI_CREDENTIALS for an unreadable or invalid config, a bad `auth` value, or a
 *   helper that is missing or fails
 */
export async function lookupDockerCredentials(
  registry: string,
  options: DockerConfigOptions,
): Promise<Credentials> {
  const config = await readDockerConfig(options);
  if (config === undefined) return anonymousCredentials(`no ${dockerConfigPath(options)}`);
  const key = dockerAuthKey(registry);
  const helperKey = matchingKey(config.credHelpers, registry);
  const helper = helperKey === undefined ? config.credsStore : config.credHelpers[helperKey];
  let helperHadNone = "";
  if (helper) {
    const fromHelper = await getHelperCredentials({
      helper,
      registry,
      serverUrl: key,
      configKey: helperKey === undefined ? "credsStore" : `credHelpers["${helperKey}"]`,
      configPath: config.path,
      env: options.env,
      timeoutMs: options.helperTimeoutMs ?? DOCKER_CONFIG_DEFAULTS.helperTimeoutMs,
      runHelper: options.runHelper ?? runCredentialHelper,
    });
    if (fromHelper) return fromHelper;
    helperHadNone = `docker-credential-${helper} has none for "${key}" and `;
  }
  const authKey = matchingKey(config.auths, registry);
  const entry = authKey === undefined ? undefined : config.auths[authKey];
  const fromFile =
    entry && authKey !== undefined ? entryCredentials(entry, authKey, config.path, registry) : undefined;
  if (fromFile) return fromFile;
  const what =
    authKey === undefined ? `no auths entry for "${key}"` : `auths["${authKey}"] holds no credentials`;
  return anonymousCredentials(`${helperHadNone}${what} in ${config.path}`);
}

/**
 * A {@link CredentialsLookup} over the Docker config, for `createAuthenticator({ credentials })`.
 * The file is read again at every lookup, so a `docker login` during a long build is seen.
 */
export function dockerCredentials(options: DockerConfigOptions): CredentialsLookup {
  return (registry) => lookupDockerCredentials(registry, options);
}

/** The credentials an `auths` entry holds, in go-containerregistry's order of preference. */
function entryCredentials(
  entry: DockerAuthEntry,
  key: string,
  path: string,
  registry: string,
): Credentials | undefined {
  const source = `${path} auths["${key}"]`;
  let username = entry.username ?? "";
  let password = entry.password ?? "";
  if (entry.auth) {
    const decoded = decodeAuth(entry.auth);
    if (decoded === undefined) {
      throw new OciError(
        "OCI_CREDENTIALS",
        `${source}: "auth" is not base64 of "user:password"; run "docker login ${registry}" again`,
      );
    }
    ({ username, password } = decoded);
  }
  if (entry.registrytoken) return { kind: "registry-token", registryToken: entry.registrytoken, source };
  if (entry.identitytoken) {
    return {
      kind: "identity-token",
      identityToken: entry.identitytoken,
      source,
      ...(username ? { username } : {}),
    };
  }
  if (username === "" && password === "") return undefined;
  return { kind: "basic", username, password, source };
}

/** docker/cli `decodeAuth`: standard base64 of `user:password`, the user not empty. */
function decodeAuth(auth: string): { username: string; password: string } | undefined {
  const trimmed = auth.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(trimmed) || trimmed.length % 4 !== 0) return undefined;
  const text = Buffer.from(trimmed, "base64").toString("utf8");
  const colon = text.indexOf(":");
  if (colon <= 0) return undefined;
  // Docker trims NUL padding some writers leave after the password.
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/\0+$/, "") };
}

/** The key of `map` Docker would use for `registry`: the exact key, else the first with its host. */
function matchingKey(map: Readonly<Record<string, unknown>>, registry: string): string | undefined {
  const wanted = dockerAuthKey(registry);
  if (Object.hasOwn(map, wanted)) return wanted;
  const host = hostOfKey(registry);
  const isHub = HUB_HOSTS.has(host);
  return Object.keys(map).find((key) => {
    const keyHost = hostOfKey(key);
    return keyHost === host || (isHub && HUB_HOSTS.has(keyHost));
  });
}

/** docker/cli `ConvertToHostname`: the key without `http(s)://` and without a path, lower-cased. */
function hostOfKey(key: string): string {
  const stripped = key.replace(/^https?:\/\//i, "");
  return (stripped.split("/")[0] ?? "").toLowerCase();
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
