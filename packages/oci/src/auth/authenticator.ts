/**
 * The authenticator the registry transport asks for headers (distribution spec "Authentication").
 * Per authenticator, never globally, it holds each registry's last challenge and looked-up
 * credentials, and one grant (an `Authorization` value) per registry and scopes (per registry for Basic).
 *
 * - Nothing is sent until the registry has answered 401 with a challenge; after that, its requests
 *   for any scope carry the answer at once (a token fetched ahead, or Basic). Where credentials may
 *   travel over plain HTTP: answer-challenge.ts.
 * - Tokens are cached until `expires_in` less a margin (token-auth.ts), then fetched ahead of use.
 * - A refused grant is obtained once more, with credentials looked up again (`docker login` may have
 *   run); refused again, it is OCI_UNAUTHORIZED (OCI_DENIED when valid credentials lack the scope),
 *   naming where credentials were looked up. A success through `fetch` restores that one retry.
 * - No secret, token or header value appears in an error, a cause or an event.
 */
import { assert } from "@ocikit/errors";
import { answerChallenge } from "./answer-challenge.js";
import { type RegistryChallenge, readRegistryChallenge } from "./challenge.js";
import {
  accessDenied,
  anonymousCredentials,
  authenticationFailed,
  type Credentials,
  type CredentialsLookup,
} from "./credentials.js";
import { GrantCache } from "./grant-cache.js";

/** One scope (`repository:library/alpine:pull`) or several (a cross-mount source and a push target). */
export type AuthScope = string | readonly string[];

/** What the authenticator reports, for a verbose display: plain data, never a secret. */
export type AuthEvent =
  | {
      readonly type: "token";
      readonly registry: string;
      readonly scopes: readonly string[];
      /** How it was obtained; `registry-token` when the config gave one. */
      readonly method: "GET" | "POST" | "registry-token";
      /** Where the credentials were looked up. */
      readonly credentials: string;
    }
  | { readonly type: "basic"; readonly registry: string; readonly credentials: string }
  | { readonly type: "reauth"; readonly registry: string; readonly scopes: readonly string[] };

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** Where credentials come from, e.g. `dockerCredentials({ env, homeDir })`; default: anonymous. */
  readonly credentials?: CredentialsLookup;
  /** Injectable transport for token requests; default the global fetch. */
  readonly fetch?: typeof globalThis.fetch;
  /** Clock, milliseconds since the epoch; default `Date.now`. */
  readonly now?: () => number;
  /** OAuth2 `client_id` for identity-token exchanges; default `AUTHENTICATOR_DEFAULTS.clientId`. */
  readonly clientId?: string;
  /** Time a token request may take; default `AUTHENTICATOR_DEFAULTS.tokenTimeoutMs`. */
  readonly tokenTimeoutMs?: number;
  /** How long before its expiry a token is replaced; default `AUTHENTICATOR_DEFAULTS.expiryMarginMs`. */
  readonly expiryMarginMs?: number;
  /** Aborts token requests. */
  readonly signal?: AbortSignal;
  readonly onEvent?: (event: AuthEvent) => void;
}

/** Defaults of {@link AuthenticatorOptions}. */
export const AUTHENTICATOR_DEFAULTS = {
  clientId: "ocikit",
  tokenTimeoutMs: 30_000,
  expiryMarginMs: 10_000,
} as const;

/** Options of {@link Authenticator.challenged}. */
export interface ChallengedOptions {
  /**
   * The headers the refused request carried (what `headersFor` gave it). With them, concurrent
   * requests refused with the same old token cause one new token, not a failure; without them,
   * the current grant is taken to be the one refused.
   */
  readonly sent?: Readonly<Record<string, string>>;
}

/** Authentication for registry requests. */
export interface Authenticator {
  /**
   * Headers for a request to `registry` under `scope`: `Authorization` once the registry has
   * challenged, else none.
   * @throws {OciError} as {@link Authenticator.challenged} when a cached token must be renewed
   */
  headersFor(registry: string, scope: AuthScope): Promise<Readonly<Record<string, string>>>;
  /**
   * After a 401: answers its `WWW-Authenticate` (token exchange, or Basic) so that `headersFor`
   * gives what the registry asked for; the caller then sends the request again.
   * @throws {OciError} OCI_UNAUTHORIZED (no or unsupported challenge, credentials refused twice,
   *   Basic asked without a password), OCI_DENIED, OCI_INSECURE_AUTH, OCI_CREDENTIALS,
   *   OCI_REGISTRY_ERROR (malformed challenge, token server failure), OCI_NETWORK
   */
  challenged(
    registry: string,
    scope: AuthScope,
    wwwAuthenticate: string | null,
    options?: ChallengedOptions,
  ): Promise<void>;
  /** Forgets the grant for `registry` and `scope` and the registry's credentials (they are looked up again). */
  invalidate(registry: string, scope: AuthScope): void;
  /**
   * Runs `send` with auth headers, answering 401s as described above, and returns the first
   * response that is not a 401.
   * @throws {OciError} as {@link Authenticator.challenged}
   */
  fetch(
    registry: string,
    scope: AuthScope,
    send: (headers: Readonly<Record<string, string>>) => Promise<Response>,
  ): Promise<Response>;
}

interface RegistryState {
  challenge?: RegistryChallenge;
  credentials?: Promise<Credentials>;
}

// Each request answers at most this many 401s: the first challenge, a re-auth, and one more in
// case another request replaced the grant in between. challenged() normally fails before that.
const MAX_CHALLENGES_PER_REQUEST = 3;
const HUB_ALIASES = new Set(["index.docker.io", "registry-1.docker.io"]);

/**
 * Creates an authenticator; use one per build or command.
 * @example
 * ```ts
 * const auth = createAuthenticator({ credentials: dockerCredentials({ env: process.env, homeDir: os.homedir() }) });
 * const response = await auth.fetch("localhost:5000", "repository:x:pull", (headers) =>
 *   fetch("http://localhost:5000/v2/x/tags/list", { headers }));
 * ```
 */
export function createAuthenticator(options: AuthenticatorOptions = {}): Authenticator {
  const settings = { ...AUTHENTICATOR_DEFAULTS, ...options };
  const now = options.now ?? Date.now;
  const registries = new Map<string, RegistryState>();
  const grants = new GrantCache(now);
  const emit = (event: AuthEvent): void => options.onEvent?.(event);

  const stateOf = (registry: string): RegistryState => {
    const state = registries.get(registry) ?? {};
    registries.set(registry, state);
    return state;
  };

  const credentialsFor = (registry: string, state: RegistryState): Promise<Credentials> => {
    if (!state.credentials) {
      const lookup = options.credentials;
      const promise = lookup
        ? lookup(registry).then((c) => c ?? anonymousCredentials(`no credentials for ${registry}`))
        : Promise.resolve(anonymousCredentials("no credentials configured"));
      state.credentials = promise;
      // A failed lookup is not cached: the next challenge tries again. The failure itself reaches
      // the caller through the awaited promise.
      promise.catch(() => {
        if (state.credentials === promise) state.credentials = undefined;
      });
    }
    return state.credentials;
  };

  const newGrant = async (
    registry: string,
    scopes: readonly string[],
    reauthed: boolean,
    extraScope?: string,
  ) => {
    const state = stateOf(registry);
    assert(state.challenge, "a grant is obtained only after a challenge");
    const credentials = await credentialsFor(registry, state);
    const answer = await answerChallenge({
      registry,
      challenge: state.challenge,
      scopes,
      ...(extraScope === undefined ? {} : { extraScope }),
      credentials,
      fetch: options.fetch ?? globalThis.fetch,
      now,
      clientId: settings.clientId,
      expiryMarginMs: settings.expiryMarginMs,
      timeoutMs: settings.tokenTimeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    emit(
      answer.method === "Basic"
        ? { type: "basic", registry, credentials: credentials.source }
        : { type: "token", registry, scopes, method: answer.method, credentials: credentials.source },
    );
    return { authorization: answer.authorization, useUntilMs: answer.useUntilMs, reauthed, credentials };
  };

  /** Registry, scopes and grant key of a call. */
  const target = (registryName: string, scope: AuthScope, challenge?: RegistryChallenge) => {
    const registry = normalizeRegistry(registryName);
    const scopes = normalizeScopes(scope);
    const key = keyOf(registry, scopes, challenge ?? registries.get(registry)?.challenge);
    return { registry, scopes, key };
  };

  const authenticator: Authenticator = {
    async headersFor(registryName, scope) {
      const { registry, scopes, key } = target(registryName, scope);
      const usable = await grants.usable(key);
      if (usable) return grants.headersOf(usable);
      if (!registries.get(registry)?.challenge) return {};
      return grants.headersOf(await grants.obtain(key, () => newGrant(registry, scopes, false)));
    },

    async challenged(registryName, scope, wwwAuthenticate, challengedOptions = {}) {
      const registry = normalizeRegistry(registryName);
      const challenge = readRegistryChallenge(wwwAuthenticate, registry, normalizeScopes(scope));
      const { scopes, key } = target(registryName, scope, challenge);
      const inFlight = grants.pending(key);
      if (inFlight) {
        await inFlight;
        return;
      }
      const refusal = grants.refusal(key, challengedOptions.sent);
      if (refusal.kind === "stale") return;
      const state = stateOf(registry);
      state.challenge = challenge;
      const extraScope = challenge.scheme === "bearer" ? challenge.scope : undefined;
      if (refusal.kind === "first") {
        await grants.obtain(key, () => newGrant(registry, scopes, false, extraScope));
        return;
      }
      grants.delete(key);
      const { credentials, reauthed } = refusal.grant;
      if (reauthed) {
        const lacksScope = challenge.scheme === "bearer" && challenge.error === "insufficient_scope";
        throw lacksScope && credentials.kind !== "anonymous"
          ? accessDenied({ registry, scopes, credentials })
          : authenticationFailed({ registry, scopes, credentials });
      }
      state.credentials = undefined;
      emit({ type: "reauth", registry, scopes });
      await grants.obtain(key, () => newGrant(registry, scopes, true, extraScope));
    },

    invalidate(registryName, scope) {
      const { registry, key } = target(registryName, scope);
      grants.delete(key);
      const state = registries.get(registry);
      if (state) state.credentials = undefined;
    },

    async fetch(registryName, scope, send) {
      for (let challenges = 0; ; challenges++) {
        const headers = await authenticator.headersFor(registryName, scope);
        const response = await send(headers);
        if (response.status !== 401) {
          grants.accepted(target(registryName, scope).key, headers);
          return response;
        }
        const wwwAuthenticate = response.headers.get("www-authenticate");
        await response.body?.cancel();
        if (challenges >= MAX_CHALLENGES_PER_REQUEST) {
          const { registry, scopes } = target(registryName, scope);
          const credentials = await credentialsFor(registry, stateOf(registry));
          throw authenticationFailed({ registry, scopes, credentials });
        }
        await authenticator.challenged(registryName, scope, wwwAuthenticate, { sent: headers });
      }
    },
  };
  return authenticator;
}

function normalizeRegistry(registry: string): string {
  const lower = registry.toLowerCase();
  return HUB_ALIASES.has(lower) ? "docker.io" : lower;
}

function normalizeScopes(scope: AuthScope): string[] {
  const list = typeof scope === "string" ? [scope] : scope;
  return [...new Set(list.filter((s) => s !== ""))].sort();
}

/** Where a grant is kept: per registry and scopes, or per registry alone for Basic (which has no scopes). */
function keyOf(
  registry: string,
  scopes: readonly string[],
  challenge: RegistryChallenge | undefined,
): string {
  return challenge?.scheme === "basic" ? `${registry} basic` : `${registry} ${scopes.join(" ")}`;
}
