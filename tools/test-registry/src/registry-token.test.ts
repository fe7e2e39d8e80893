/**
 * The pure parts of registry tokens: scope parsing and the libtrust key ID (token-issuer.test.ts
 * checks with docker-registry itself that the ID is the one it looks `kid` up by).
 */
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { libtrustKeyId, parseScopes } from "./registry-token.js";

describe("parseScopes", () => {
  it.each([
    [
      "one repository",
      ["repository:library/alpine:pull"],
      [{ type: "repository", name: "library/alpine", actions: ["pull"] }],
    ],
    [
      "several actions",
      ["repository:a/b:pull,push"],
      [{ type: "repository", name: "a/b", actions: ["pull", "push"] }],
    ],
    [
      "two scopes in one value",
      ["repository:a:pull repository:b:push"],
      [
        { type: "repository", name: "a", actions: ["pull"] },
        { type: "repository", name: "b", actions: ["push"] },
      ],
    ],
    [
      "repeated scope parameters",
      ["repository:a:pull", "repository:b:pull,push"],
      [
        { type: "repository", name: "a", actions: ["pull"] },
        { type: "repository", name: "b", actions: ["pull", "push"] },
      ],
    ],
    [
      "a resource class",
      ["repository(plugin):a/b:pull"],
      [{ type: "repository", name: "a/b", actions: ["pull"] }],
    ],
    [
      "a name with a port",
      ["repository:localhost:5000/a:pull"],
      [{ type: "repository", name: "localhost:5000/a", actions: ["pull"] }],
    ],
    ["the catalog", ["registry:catalog:*"], [{ type: "registry", name: "catalog", actions: ["*"] }]],
    ["nothing", [], []],
    ["not a resource scope", ["openid"], []],
  ])("%s", (_name, scopes, want) => {
    expect(parseScopes(scopes)).toEqual(want);
  });
});

describe("libtrustKeyId", () => {
  it("is 12 groups of 4 base32 characters, the same for the same key", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    const id = libtrustKeyId(publicKey);
    expect(id).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(libtrustKeyId(createPublicKey(publicKey.export({ type: "spki", format: "pem" })))).toBe(id);
  });

  it("differs between keys", () => {
    const a = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).publicKey;
    const b = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey;
    expect(libtrustKeyId(a)).not.toBe(libtrustKeyId(b));
  });
});
