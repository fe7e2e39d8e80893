import { describe, expect, it } from "vitest";
import {
  accessDenied,
  anonymousCredentials,
  authenticationFailed,
  basicAuthorization,
  type Credentials,
  redactSecrets,
  sanitizeDetail,
  secretsOf,
} from "./credentials.js";

const basic: Credentials = {
  kind: "basic",
  username: "alice",
  password: "hunter2-secret",
  source: '/c.json auths["r"]',
};

describe("credentials", () => {
  it("builds the Basic header of RFC 7617", () => {
    expect(basicAuthorization("Aladdin", "open sesame")).toBe("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
  });

  it.each<[string, Credentials, string[]]>([
    ["anonymous", anonymousCredentials("none"), []],
    ["basic", basic, ["hunter2-secret", "YWxpY2U6aHVudGVyMi1zZWNyZXQ="]],
    ["identity-token", { kind: "identity-token", identityToken: "idtok", source: "s" }, ["idtok"]],
    ["registry-token", { kind: "registry-token", registryToken: "regtok", source: "s" }, ["regtok"]],
  ])("knows the secrets of %s credentials", (_name, credentials, want) => {
    expect(secretsOf(credentials)).toEqual(want);
  });

  it("redacts secrets, before shortening so that no part survives the cut", () => {
    expect(redactSecrets("pw hunter2-secret twice hunter2-secret", ["hunter2-secret"])).toBe(
      "pw *** twice ***",
    );
    expect(redactSecrets("a b", ["a"])).toBe("a b");
    const long = `${"x".repeat(195)}hunter2-secret`;
    expect(sanitizeDetail(long, ["hunter2-secret"])).toBe(`${"x".repeat(195)}***`);
    expect(sanitizeDetail("line one\nline\ttwo", [])).toBe("line one line two");
  });

  it("words failures with the registry, the scopes and where credentials came from, never the secret", () => {
    const failed = authenticationFailed({
      registry: "myreg:5000",
      scopes: ["repository:a:pull", "repository:b:pull,push"],
      credentials: basic,
      detail: "bad password hunter2-secret",
    });
    expect(failed.code).toBe("OCI_UNAUTHORIZED");
    expect(failed.message).toBe(
      'myreg:5000: authentication failed for repository:a:pull and repository:b:pull,push (bad password ***) (credentials: /c.json auths["r"]); run "docker login myreg:5000"',
    );
    const denied = accessDenied({ registry: "r", scopes: [], credentials: anonymousCredentials("no file") });
    expect(denied.code).toBe("OCI_DENIED");
    expect(denied.message).toMatch(/^r: access to the registry denied \(credentials: anonymous, no file\)/);
  });
});
