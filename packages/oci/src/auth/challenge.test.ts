import { describe, expect, it } from "vitest";
import { OciError } from "../errors.js";
import { type Challenge, parseChallenges, pickChallenge } from "./challenge.js";

describe("parseChallenges", () => {
  it.each<[string, string, Challenge[]]>([
    [
      "distribution's Bearer challenge",
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"',
      [
        {
          scheme: "bearer",
          params: {
            realm: "https://auth.docker.io/token",
            service: "registry.docker.io",
            scope: "repository:library/alpine:pull",
          },
        },
      ],
    ],
    [
      "Basic with a realm",
      'Basic realm="Registry Realm"',
      [{ scheme: "basic", params: { realm: "Registry Realm" } }],
    ],
    [
      "a case-insensitive scheme and names",
      'BEARER Realm="r"',
      [{ scheme: "bearer", params: { realm: "r" } }],
    ],
    ["a bare scheme", "Negotiate", [{ scheme: "negotiate", params: {} }]],
    [
      "token values and spaces around =",
      "Bearer realm = r , service=s",
      [{ scheme: "bearer", params: { realm: "r", service: "s" } }],
    ],
    ["a token68", "Negotiate abc/DEF+g==", [{ scheme: "negotiate", params: {}, token68: "abc/DEF+g==" }]],
    ["a token68 of one padded word", "Basic realm=", [{ scheme: "basic", params: {}, token68: "realm=" }]],
    [
      "quoted strings with escapes and commas",
      'Basic realm="say \\"hi\\", then \\\\ go"',
      [{ scheme: "basic", params: { realm: 'say "hi", then \\ go' } }],
    ],
    ["an empty quoted string", 'Basic realm=""', [{ scheme: "basic", params: { realm: "" } }]],
    [
      "the first of duplicate parameters",
      'Basic realm="a", realm="b"',
      [{ scheme: "basic", params: { realm: "a" } }],
    ],
    [
      "RFC 7235's example: several challenges in one header",
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      [
        { scheme: "newauth", params: { realm: "apps", type: "1", title: 'Login to "apps"' } },
        { scheme: "basic", params: { realm: "simple" } },
      ],
    ],
    [
      "a token68 challenge followed by another",
      'Negotiate a1b2==, Bearer realm="https://t/x"',
      [
        { scheme: "negotiate", params: {}, token68: "a1b2==" },
        { scheme: "bearer", params: { realm: "https://t/x" } },
      ],
    ],
    ["empty list elements", ' , Basic realm="x" ,, ', [{ scheme: "basic", params: { realm: "x" } }]],
  ])("parses %s", (_name, header, want) => {
    expect(parseChallenges(header)).toEqual(want);
  });

  it.each([
    ["an empty header", ""],
    ["only commas", " , , "],
    ["an unterminated quoted string", 'Bearer realm="https://auth'],
    ["a parameter without a value", "Bearer realm=, service=x"],
    ["text after a quoted value", 'Bearer realm="a"b'],
    ["a quote straight after the scheme", 'Bearer"realm"'],
    ["a stray character", "Bearer realm=a; service=b"],
    ["text after a token68", "Negotiate abc== def"],
    ["a scheme that is not a token", '"Bearer" realm=x'],
  ])("rejects %s with OCI_REGISTRY_ERROR", (_name, header) => {
    let error: unknown;
    try {
      parseChallenges(header, "myreg:5000");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OciError);
    expect((error as OciError).code).toBe("OCI_REGISTRY_ERROR");
    expect((error as OciError).message).toMatch(/^myreg:5000: malformed WWW-Authenticate header/);
  });
});

describe("pickChallenge", () => {
  it("prefers Bearer over Basic, wherever it is in the header", () => {
    const picked = pickChallenge(
      parseChallenges('Basic realm="b", Bearer realm="https://auth/token",service="svc"'),
    );
    expect(picked?.scheme).toBe("bearer");
    if (picked?.scheme !== "bearer") throw new Error("unreachable");
    expect(picked.realm.href).toBe("https://auth/token");
    expect(picked.service).toBe("svc");
  });

  it("keeps the scope and error a registry sends with a refusal", () => {
    const picked = pickChallenge(
      parseChallenges('Bearer realm="https://a/t",scope="repository:x:pull",error="insufficient_scope"'),
    );
    expect(picked).toMatchObject({ scope: "repository:x:pull", error: "insufficient_scope" });
  });

  it("answers Basic when that is all there is, and nothing for unknown schemes", () => {
    expect(pickChallenge(parseChallenges('Negotiate, Basic realm="r"'))).toEqual({
      scheme: "basic",
      realm: "r",
    });
    expect(pickChallenge(parseChallenges("Negotiate abc, Digest realm=x"))).toBeUndefined();
  });

  it.each([
    ["no realm", 'Bearer service="x"'],
    ["a realm that is not a URL", 'Bearer realm="not a url"'],
    ["a realm that is not http(s)", 'Bearer realm="file:///etc/passwd"'],
  ])("rejects a Bearer challenge with %s", (_name, header) => {
    expect(() => pickChallenge(parseChallenges(header), "reg")).toThrow(
      expect.objectContaining({ code: "OCI_REGISTRY_ERROR" }),
    );
  });
});
