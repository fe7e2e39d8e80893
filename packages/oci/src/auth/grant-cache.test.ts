import { describe, expect, it } from "vitest";
import { anonymousCredentials } from "./credentials.js";
import { type Grant, GrantCache } from "./grant-cache.js";

const grant = (authorization: string, useUntilMs = 1_000, reauthed = false): Grant => ({
  authorization,
  useUntilMs,
  reauthed,
  credentials: anonymousCredentials("test"),
});

describe("GrantCache", () => {
  it("hands out a grant until it expires", async () => {
    let now = 0;
    const cache = new GrantCache(() => now);
    await cache.obtain("k", async () => grant("Bearer a", 1_000));
    expect(await cache.usable("k")).toMatchObject({ authorization: "Bearer a" });
    now = 1_000;
    expect(await cache.usable("k")).toBeUndefined();
    expect(await cache.usable("other")).toBeUndefined();
  });

  it("obtains once for concurrent callers, and is usable while being obtained", async () => {
    const cache = new GrantCache(() => 0);
    let calls = 0;
    let release: (g: Grant) => void = () => {};
    const make = () => {
      calls++;
      return new Promise<Grant>((resolve) => {
        release = resolve;
      });
    };
    const first = cache.obtain("k", make);
    const second = cache.obtain("k", make);
    const usable = cache.usable("k");
    expect(cache.pending("k")).toBeDefined();
    release(grant("Bearer a"));
    expect(await Promise.all([first, second, usable])).toEqual([
      grant("Bearer a"),
      grant("Bearer a"),
      grant("Bearer a"),
    ]);
    expect(calls).toBe(1);
    expect(cache.pending("k")).toBeUndefined();
  });

  it("forgets a failed obtain, so the next caller tries again", async () => {
    const cache = new GrantCache(() => 0);
    await expect(cache.obtain("k", () => Promise.reject(new Error("no")))).rejects.toThrow("no");
    expect(cache.pending("k")).toBeUndefined();
    expect(await cache.obtain("k", async () => grant("Bearer b"))).toMatchObject({
      authorization: "Bearer b",
    });
  });

  it("tells a first challenge, a refusal and a stale refusal apart", async () => {
    const cache = new GrantCache(() => 0);
    expect(cache.refusal("k", {})).toEqual({ kind: "first" });
    const a = await cache.obtain("k", async () => grant("Bearer a"));
    // Without the sent headers: refused only once it was handed out.
    expect(cache.refusal("k", undefined)).toEqual({ kind: "stale" });
    cache.headersOf(a);
    expect(cache.refusal("k", undefined)).toEqual({ kind: "refused", grant: a });
    // With them: by value, whatever the header's case.
    expect(cache.refusal("k", { authorization: "Bearer a" })).toEqual({ kind: "refused", grant: a });
    expect(cache.refusal("k", { Authorization: "Bearer old" })).toEqual({ kind: "stale" });
    expect(cache.refusal("k", {})).toEqual({ kind: "stale" });
    cache.delete("k");
    expect(cache.refusal("k", { Authorization: "Bearer a" })).toEqual({ kind: "first" });
  });

  it("clears the re-auth mark of a grant that was accepted", async () => {
    const cache = new GrantCache(() => 0);
    await cache.obtain("k", async () => grant("Bearer r", 1_000, true));
    cache.accepted("k", { Authorization: "Bearer other" });
    expect((await cache.usable("k"))?.reauthed).toBe(true);
    cache.accepted("k", { Authorization: "Bearer r" });
    expect((await cache.usable("k"))?.reauthed).toBe(false);
    expect(cache.refusal("k", undefined)).toMatchObject({ kind: "refused" });
  });
});
