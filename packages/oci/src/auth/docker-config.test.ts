import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CredentialHelperRun, CredentialHelperRunner } from "./credential-helper.js";
import {
  DOCKER_HUB_AUTH_KEY,
  dockerAuthKey,
  dockerConfigPath,
  lookupDockerCredentials,
  parseDockerConfig,
  readDockerConfig,
} from "./docker-config.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

let home: string;
beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), "ocikit-docker-config-"));
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function writeConfig(config: unknown, dir = join(home, ".docker")): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, "config.json");
  await writeFile(path, typeof config === "string" ? config : JSON.stringify(config));
  return path;
}

/** A helper runner that answers from a table and records what it was asked. */
function fakeHelpers(
  answers: Record<string, (serverUrl: string) => Awaited<ReturnType<CredentialHelperRunner>>>,
) {
  const runs: CredentialHelperRun[] = [];
  const runHelper: CredentialHelperRunner = async (run) => {
    runs.push(run);
    const answer = answers[run.program];
    return answer ? answer(run.input) : { kind: "not-found" };
  };
  return { runs, runHelper };
}

describe("where the config is", () => {
  it("uses $DOCKER_CONFIG/config.json when set, else ~/.docker/config.json", () => {
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: "/etc/dc" }, homeDir: "/home/u" })).toBe(
      "/etc/dc/config.json",
    );
    expect(dockerConfigPath({ env: {}, homeDir: "/home/u" })).toBe("/home/u/.docker/config.json");
    expect(dockerConfigPath({ env: { DOCKER_CONFIG: "" }, homeDir: "/home/u" })).toBe(
      "/home/u/.docker/config.json",
    );
  });

  it("reads only $DOCKER_CONFIG when it is set, as Docker does", async () => {
    await writeConfig({ auths: { "myreg:5000": { auth: b64("home:pw") } } });
    const creds = await lookupDockerCredentials("myreg:5000", {
      env: { DOCKER_CONFIG: join(home, "elsewhere") },
      homeDir: home,
    });
    expect(creds).toEqual({
      kind: "anonymous",
      source: `anonymous, no ${join(home, "elsewhere", "config.json")}`,
    });
  });

  it("treats a missing file as anonymous and an empty one as an empty config", async () => {
    expect(await readDockerConfig({ env: {}, homeDir: home })).toBeUndefined();
    await writeConfig("  \n");
    expect(await readDockerConfig({ env: {}, homeDir: home })).toMatchObject({ auths: {}, credHelpers: {} });
  });
});

describe("registry keys", () => {
  it.each([
    ["docker.io", DOCKER_HUB_AUTH_KEY],
    ["index.docker.io", DOCKER_HUB_AUTH_KEY],
    ["registry-1.docker.io", DOCKER_HUB_AUTH_KEY],
    ["ghcr.io", "ghcr.io"],
    ["MyReg:5000", "myreg:5000"],
  ])("files %s under %s", (registry, key) => expect(dockerAuthKey(registry)).toBe(key));

  it.each([
    ["docker.io", DOCKER_HUB_AUTH_KEY],
    ["docker.io", "docker.io"],
    ["registry-1.docker.io", "https://index.docker.io/v1/"],
    ["myreg:5000", "myreg:5000"],
    ["myreg:5000", "https://myreg:5000/v2/"],
    ["myreg:5000", "http://myreg:5000"],
    ["myreg:5000", "https://MYREG:5000"],
  ])("finds %s under the key %s", async (registry, key) => {
    const path = await writeConfig({ auths: { [key]: { auth: b64("u:pw") } } });
    const creds = await lookupDockerCredentials(registry, { env: {}, homeDir: home });
    expect(creds).toEqual({
      kind: "basic",
      username: "u",
      password: "pw",
      source: `${path} auths["${key}"]`,
    });
  });

  it.each([
    ["myreg:5000", "myreg"],
    ["myreg:5000", "myreg:5001"],
    ["myreg", "https://other/myreg"],
  ])("does not take %s's credentials from the key %s", async (registry, key) => {
    await writeConfig({ auths: { [key]: { auth: b64("u:pw") } } });
    expect((await lookupDockerCredentials(registry, { env: {}, homeDir: home })).kind).toBe("anonymous");
  });

  it("prefers the exact key over one that only matches by host", async () => {
    await writeConfig({
      auths: { "https://myreg:5000/v2/": { auth: b64("a:1") }, "myreg:5000": { auth: b64("b:2") } },
    });
    expect(await lookupDockerCredentials("myreg:5000", { env: {}, homeDir: home })).toMatchObject({
      username: "b",
    });
  });
});

describe("auths entries", () => {
  it.each([
    ["auth", { auth: b64("alice:pa:ss") }, { kind: "basic", username: "alice", password: "pa:ss" }],
    [
      "auth with NUL padding",
      { auth: b64("alice:pw\0\0") },
      { kind: "basic", username: "alice", password: "pw" },
    ],
    [
      "username and password",
      { username: "bob", password: "pw" },
      { kind: "basic", username: "bob", password: "pw" },
    ],
    [
      "auth over username",
      { auth: b64("alice:1"), username: "bob", password: "2" },
      { username: "alice", password: "1" },
    ],
    [
      "identitytoken",
      { auth: b64("alice:"), identitytoken: "idt" },
      { kind: "identity-token", identityToken: "idt", username: "alice" },
    ],
    [
      "registrytoken",
      { registrytoken: "rt", auth: b64("a:b") },
      { kind: "registry-token", registryToken: "rt" },
    ],
    ["an empty entry", {}, { kind: "anonymous" }],
    ["only an email", { email: "a@b" }, { kind: "anonymous" }],
  ])("reads %s", async (_name, entry, want) => {
    await writeConfig({ auths: { "r.example": entry } });
    expect(await lookupDockerCredentials("r.example", { env: {}, homeDir: home })).toMatchObject(want);
  });

  it("says what was looked at when there is nothing", async () => {
    const path = await writeConfig({ auths: { "other.example": { auth: b64("u:p") } } });
    expect((await lookupDockerCredentials("docker.io", { env: {}, homeDir: home })).source).toBe(
      `anonymous, no auths entry for "${DOCKER_HUB_AUTH_KEY}" in ${path}`,
    );
  });

  it.each([
    ["not base64", "!!!"],
    ["no colon", b64("alice")],
    ["an empty user", b64(":pw")],
  ])("rejects an auth value that is %s, without showing it", async (_name, auth) => {
    const path = await writeConfig({ auths: { "r.example": { auth } } });
    const lookup = lookupDockerCredentials("r.example", { env: {}, homeDir: home });
    await expect(lookup).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
      message: `${path} auths["r.example"]: "auth" is not base64 of "user:password"; run "docker login r.example" again`,
    });
  });
});

describe("config validation", () => {
  it.each([
    ["invalid JSON (and does not quote it)", '{"auths": {"r": {"auth": "c2VjcmV0"}', /not valid JSON/],
    ["a top level that is not an object", "[]", /top level/],
    ["auths of the wrong type", '{"auths": []}', /"auths" is not an object/],
    [
      "an entry field of the wrong type",
      '{"auths": {"r": {"auth": 5}}}',
      /auths\["r"\].auth is not a string/,
    ],
    ["credHelpers of the wrong type", '{"credHelpers": {"r": 1}}', /credHelpers\["r"\] is not a string/],
    ["credsStore of the wrong type", '{"credsStore": true}', /"credsStore" is not a string/],
  ])("rejects %s with OCI_CREDENTIALS", (_name, text, message) => {
    let error: unknown;
    try {
      parseDockerConfig(text, "/c.json");
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "OCI_CREDENTIALS", message: expect.stringMatching(message) });
    expect(String((error as Error).message)).not.toContain("c2VjcmV0");
    expect((error as Error).cause).toBeUndefined();
  });

  it("reports an unreadable file", async () => {
    await mkdir(join(home, ".docker", "config.json"), { recursive: true });
    await expect(readDockerConfig({ env: {}, homeDir: home })).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
    });
  });
});

describe("credential helpers", () => {
  it("asks credHelpers[registry] first, with the server URL on stdin and the caller's env", async () => {
    const path = await writeConfig({
      credsStore: "desktop",
      credHelpers: { "gcr.io": "gcloud" },
      auths: { "gcr.io": { auth: b64("file:pw") } },
    });
    const { runs, runHelper } = fakeHelpers({
      "docker-credential-gcloud": (url) => ({
        kind: "exited",
        exitCode: 0,
        stdout: JSON.stringify({ ServerURL: url, Username: "oauth2accesstoken", Secret: "ya29" }),
        stderr: "",
      }),
    });
    const env = { PATH: "/opt/bin" };
    const creds = await lookupDockerCredentials("gcr.io", { env, homeDir: home, runHelper });
    expect(creds).toEqual({
      kind: "basic",
      username: "oauth2accesstoken",
      password: "ya29",
      source: `docker-credential-gcloud (credHelpers["gcr.io"] in ${path})`,
    });
    expect(runs).toMatchObject([
      { program: "docker-credential-gcloud", args: ["get"], input: "gcr.io", env },
    ]);
  });

  it("asks credsStore for other registries, with Docker Hub's URL for docker.io", async () => {
    await writeConfig({ credsStore: "desktop", credHelpers: { "gcr.io": "gcloud" } });
    const { runs, runHelper } = fakeHelpers({
      "docker-credential-desktop": () => ({
        kind: "exited",
        exitCode: 0,
        stdout: '{"Username":"<token>","Secret":"idt"}',
        stderr: "",
      }),
    });
    const creds = await lookupDockerCredentials("docker.io", { env: {}, homeDir: home, runHelper });
    expect(creds).toMatchObject({ kind: "identity-token", identityToken: "idt" });
    expect(runs[0]?.input).toBe(DOCKER_HUB_AUTH_KEY);
  });

  it("goes anonymous when the helper has none, unless auths holds credentials for the registry", async () => {
    const path = await writeConfig({
      credsStore: "pass",
      auths: { "a.example": {}, "b.example": { auth: b64("u:p") } },
    });
    const { runHelper } = fakeHelpers({
      "docker-credential-pass": () => ({
        kind: "exited",
        exitCode: 1,
        stdout: "credentials not found in native keychain\n",
        stderr: "",
      }),
    });
    expect(await lookupDockerCredentials("a.example", { env: {}, homeDir: home, runHelper })).toEqual({
      kind: "anonymous",
      source: `anonymous, docker-credential-pass has none for "a.example" and auths["a.example"] holds no credentials in ${path}`,
    });
    expect(await lookupDockerCredentials("b.example", { env: {}, homeDir: home, runHelper })).toMatchObject({
      username: "u",
    });
  });

  it("reports a missing helper, naming it and the registry", async () => {
    const path = await writeConfig({ credsStore: "desktop" });
    const lookup = lookupDockerCredentials("r.example", {
      env: {},
      homeDir: home,
      runHelper: fakeHelpers({}).runHelper,
    });
    await expect(lookup).rejects.toMatchObject({
      code: "OCI_CREDENTIALS",
      message: `r.example: credential helper docker-credential-desktop (credsStore in ${path}) is not installed (not found on PATH); install it, or remove credsStore from ${path}`,
    });
  });
});
