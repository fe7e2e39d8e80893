import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type CredentialHelperOutcome,
  getHelperCredentials,
  runCredentialHelper,
} from "./credential-helper.js";
import { lookupDockerCredentials } from "./docker-config.js";

// A real helper, as docker-credential-helpers' protocol has it: `get`, server URL on stdin, JSON out,
// "credentials not found in native keychain" and exit 1 when it has none.
const HELPER_SCRIPT = `#!/bin/sh
[ "$1" = get ] || { echo "unknown action $1" >&2; exit 2; }
url=$(cat)
case "$url" in
  basic.example) printf '{"ServerURL":"%s","Username":"alice","Secret":"helper-secret-1"}' "$url" ;;
  token.example) printf '{"ServerURL":"%s","Username":"<token>","Secret":"helper-idtoken-2"}' "$url" ;;
  https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"hubuser","Secret":"hub-secret-3"}' "$url" ;;
  broken.example) echo "keychain is locked" ; exit 3 ;;
  leaky.example) printf '{"Username":"alice","Secret":"leaked-secret-4"}'; exit 1 ;;
  garbage.example) echo "this is not json" ;;
  env.example) printf '{"Username":"%s","Secret":"x-secret"}' "$HELPER_USER" ;;
  slow.example) sleep 5 ;;
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;

let dir: string;
let env: Record<string, string>;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-cred-helper-"));
  await mkdir(join(dir, "bin"));
  const script = join(dir, "bin", "docker-credential-test");
  await writeFile(script, HELPER_SCRIPT);
  await chmod(script, 0o755);
  await writeFile(join(dir, "bin", "docker-credential-noexec"), HELPER_SCRIPT);
  env = { PATH: `${join(dir, "bin")}:/usr/bin:/bin`, HELPER_USER: "from-env" };
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const lookup = (registry: string, overrides: Partial<Parameters<typeof getHelperCredentials>[0]> = {}) =>
  getHelperCredentials({
    helper: "test",
    registry,
    serverUrl: registry,
    configKey: "credsStore",
    configPath: "/h/.docker/config.json",
    env,
    timeoutMs: 10_000,
    runHelper: runCredentialHelper,
    ...overrides,
  });

describe("a real docker-credential-test script on PATH", () => {
  it.each([
    ["basic.example", { kind: "basic", username: "alice", password: "helper-secret-1" }],
    ["token.example", { kind: "identity-token", identityToken: "helper-idtoken-2" }],
    ["env.example", { kind: "basic", username: "from-env" }],
  ])("answers for %s", async (registry, want) => {
    expect(await lookup(registry)).toMatchObject({
      ...want,
      source: "docker-credential-test (credsStore in /h/.docker/config.json)",
    });
  });

  it("has none for an unknown registry: anonymous, not an error", async () => {
    expect(await lookup("unknown.example")).toBeUndefined();
  });

  it.each([
    [
      "fails",
      "broken.example",
      /docker-credential-test \(credsStore in \/h\/.docker\/config.json\) failed \(exit 3: keychain is locked\)/,
    ],
    ["fails printing a secret", "leaky.example", /failed \(exit 1\); check the helper/],
    ["answers garbage", "garbage.example", /answered something that is not \{"Username", "Secret"\} JSON/],
  ])(
    "reports a helper that %s, naming it and the registry, never the secret",
    async (_name, registry, message) => {
      const error = await lookup(registry).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "OCI_CREDENTIALS", message: expect.stringMatching(message) });
      expect((error as Error).message).toMatch(
        new RegExp(`^${registry.replace(".", "\\.")}: credential helper`),
      );
      expect((error as Error).message).not.toContain("leaked-secret-4");
    },
  );

  it("reports a helper that is not on PATH, or not executable, or too slow", async () => {
    await expect(lookup("basic.example", { helper: "absent" })).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
      message: expect.stringMatching(/docker-credential-absent .* is not installed \(not found on PATH\)/),
    });
    await expect(lookup("basic.example", { helper: "noexec" })).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
      message: expect.stringMatching(/docker-credential-noexec .* could not be run: EACCES/),
    });
    await expect(lookup("slow.example", { timeoutMs: 300 })).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
      message: expect.stringMatching(/could not be run: no answer within 300 ms/),
    });
  });

  it("refuses a helper name that would be a path", async () => {
    await expect(lookup("basic.example", { helper: "../../bin/sh" })).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
    });
  });

  it("is what lookupDockerCredentials runs for credsStore and credHelpers", async () => {
    const configDir = join(dir, "config");
    await mkdir(configDir, { recursive: true });
    await writeFile(
      join(configDir, "config.json"),
      JSON.stringify({ credsStore: "test", credHelpers: { "token.example": "test" } }),
    );
    const options = { env: { ...env, DOCKER_CONFIG: configDir }, homeDir: "/nonexistent" };
    expect(await lookupDockerCredentials("docker.io", options)).toMatchObject({
      username: "hubuser",
      password: "hub-secret-3",
    });
    expect(await lookupDockerCredentials("token.example", options)).toMatchObject({
      kind: "identity-token",
      source: `docker-credential-test (credHelpers["token.example"] in ${join(configDir, "config.json")})`,
    });
    expect((await lookupDockerCredentials("nothing.example", options)).kind).toBe("anonymous");
  });
});

describe("interpreting outcomes", () => {
  const withOutcome = (outcome: CredentialHelperOutcome) =>
    lookup("r.example", { runHelper: async () => outcome });

  it.each<[string, CredentialHelperOutcome, unknown]>([
    [
      "an empty secret",
      { kind: "exited", exitCode: 0, stdout: '{"Username":"","Secret":""}', stderr: "" },
      undefined,
    ],
    [
      "not-found on stderr",
      { kind: "exited", exitCode: 1, stdout: "", stderr: "Credentials not found" },
      undefined,
    ],
    [
      "extra fields",
      {
        kind: "exited",
        exitCode: 0,
        stdout: '{"ServerURL":"x","Username":"u","Secret":"s","Extra":1}',
        stderr: "",
      },
      expect.objectContaining({ kind: "basic", username: "u", password: "s" }),
    ],
  ])("reads %s", async (_name, outcome, want) => {
    expect(await withOutcome(outcome)).toEqual(want);
  });

  it("rejects an answer whose fields are not strings", async () => {
    await expect(
      withOutcome({ kind: "exited", exitCode: 0, stdout: '{"Username":1,"Secret":"s"}', stderr: "" }),
    ).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
    });
  });
});
