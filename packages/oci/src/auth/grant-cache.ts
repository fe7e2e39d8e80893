/**
 * The grants (`Authorization` values) an authenticator hands out, one per key (registry and scopes).
 * Concurrent requests for one key share one token request; the cache remembers which grants were
 * handed out and which were obtained after a refusal, so that a 401 can be told apart as the first
 * challenge, a refusal of the current grant, or a stale refusal of a grant already replaced.
 */
import type { Credentials } from "./credentials.js";

/** One `Authorization` value and what it is good for. */
export interface Grant {
  readonly authorization: string;
  /** Milliseconds since the epoch; Infinity for Basic and registry tokens. */
  readonly useUntilMs: number;
  /** Obtained after a refusal: refused again, it is a failure. */
  readonly reauthed: boolean;
  /** The credentials it was made from (their `source` goes into failure messages). */
  readonly credentials: Credentials;
}

/** What a 401 refused, as far as the cache can tell. */
export type Refusal =
  /** No grant yet: this is the first challenge. */
  | { readonly kind: "first" }
  /** The request carried an older grant, since replaced: send it again. */
  | { readonly kind: "stale" }
  /** The current grant was refused. */
  | { readonly kind: "refused"; readonly grant: Grant };

/** Grants by key; one per authenticator. */
export class GrantCache {
  readonly #grants = new Map<string, Grant>();
  readonly #pending = new Map<string, Promise<Grant>>();
  readonly #handedOut = new WeakSet<Grant>();
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** A grant to use now: cached and not expired, or the one being obtained. */
  async usable(key: string): Promise<Grant | undefined> {
    const grant = this.#grants.get(key);
    if (grant && grant.useUntilMs > this.#now()) return grant;
    return this.#pending.get(key);
  }

  /** The grant being obtained for `key`, if one is. */
  pending(key: string): Promise<Grant> | undefined {
    return this.#pending.get(key);
  }

  /** Obtains a grant with `make`, once however many callers ask at the same time. */
  async obtain(key: string, make: () => Promise<Grant>): Promise<Grant> {
    const inFlight = this.#pending.get(key);
    if (inFlight) return inFlight;
    const promise = make().then((grant) => {
      this.#grants.set(key, grant);
      return grant;
    });
    this.#pending.set(key, promise);
    try {
      return await promise;
    } finally {
      if (this.#pending.get(key) === promise) this.#pending.delete(key);
    }
  }

  /** The headers carrying a grant; the grant counts as sent from now on. */
  headersOf(grant: Grant): Record<string, string> {
    this.#handedOut.add(grant);
    return { Authorization: grant.authorization };
  }

  /**
   * What a 401 refused. `sent` are the refused request's headers; without them the current grant
   * counts as refused if it was ever handed out.
   */
  refusal(key: string, sent: Readonly<Record<string, string>> | undefined): Refusal {
    const grant = this.#grants.get(key);
    if (grant === undefined) return { kind: "first" };
    const refused = sent ? grant.authorization === authorizationOf(sent) : this.#handedOut.has(grant);
    return refused ? { kind: "refused", grant } : { kind: "stale" };
  }

  /** A request with `sent` succeeded: its grant is good, and earns a re-auth again if later refused. */
  accepted(key: string, sent: Readonly<Record<string, string>>): void {
    const grant = this.#grants.get(key);
    if (!grant?.reauthed || grant.authorization !== authorizationOf(sent)) return;
    const proven = { ...grant, reauthed: false };
    this.#grants.set(key, proven);
    this.#handedOut.add(proven);
  }

  delete(key: string): void {
    this.#grants.delete(key);
  }
}

function authorizationOf(headers: Readonly<Record<string, string>>): string | undefined {
  const name = Object.keys(headers).find((k) => k.toLowerCase() === "authorization");
  return name === undefined ? undefined : headers[name];
}
