import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SpecValidationError } from "./errors.js";
import { defaultOutputName, loadConfig } from "./load-config.js";

function errorsOf(sources: { path: string; text: string }[]): string[] {
  try {
    loadConfig(sources);
  } catch (error) {
    if (error instanceof SpecValidationError) return error.message.split("\n");
    throw error;
  }
  throw new Error("expected the configuration to be invalid");
}

function codesOf(sources: { path: string; text: string }[]): string[] {
  try {
    loadConfig(sources);
  } catch (error) {
    if (error instanceof SpecValidationError) return error.diagnostics.map((d) => d.code);
    throw error;
  }
  return [];
}

describe("loadConfig", () => {
  it("reports a misspelt key, an unquoted mode, an unknown capability and a duplicate service at once (issue 2)", () => {
    const text = [
      "onbot: []", // 1
      "services:", // 2
      "  - name: a", // 3
      "    image: x/a:1", // 4
      "    capabilities: [CAP_NOPE]", // 5
      "  - name: a", // 6
      "    image: x/a:1", // 7
      "files:", // 8
      "  - path: etc/x", // 9
      "    contents: y", // 10
      "    mode: 0644", // 11
    ].join("\n");
    const sources = [{ path: "c.yml", text }];
    expect(codesOf(sources)).toEqual([
      "SPEC_UNKNOWN_KEY",
      "SPEC_UNKNOWN_CAPABILITY",
      "SPEC_DUPLICATE_SERVICE",
      "SPEC_TYPE",
    ]);
    const lines = errorsOf(sources);
    expect(lines[0]).toBe('c.yml:1:1: unknown key "onbot" at the top level; did you mean "onboot"?');
    expect(lines[1]).toMatch(/^c\.yml:5:20: unknown capability "CAP_NOPE"/);
    expect(lines[2]).toMatch(/^c\.yml:6:11: duplicate service name "a" \(first used at line 3\)/);
    expect(lines[3]).toMatch(
      /^c\.yml:11:11: files\[0\]\.mode: expected a string, got the number 0644; quote octal modes/,
    );
  });

  it("keeps checking the rest of an entry whose other field failed the schema", () => {
    const text =
      "services:\n  - name: a\n    image: x/a:1\n    readonly: yes\n    capabilities: [CAP_NOPE]\n";
    expect(codesOf([{ path: "c.yml", text }])).toEqual(["SPEC_TYPE", "SPEC_UNKNOWN_CAPABILITY"]);
  });

  it("skips entries that lost a required field instead of reporting follow-on errors", () => {
    const text = "services:\n  - image: x/a:1\n    uid: nobody\n  - name: b\n    image: x/b:1\n";
    expect(errorsOf([{ path: "c.yml", text }])).toEqual([
      'c.yml:2:5: services[0] is missing the required key "name"',
    ]);
  });

  it("names standard input <stdin> and defaults the output name to moby (§2.2)", () => {
    expect(errorsOf([{ path: "-", text: "bogus: 1\n" }])[0]).toMatch(/^<stdin>:1:1: unknown key "bogus"/);
    expect(loadConfig([{ path: "-", text: "init: [a/b:1]\n" }]).name).toBe("moby");
  });

  it("derives the output name from the last file", () => {
    expect(defaultOutputName(["base.yml", "dir/sshd.yaml"])).toBe("sshd");
    expect(defaultOutputName(["noext"])).toBe("noext");
    expect(defaultOutputName([".hidden"])).toBe(".hidden");
  });

  it("merges files in order and locates entries in the file they came from (§2.2)", () => {
    const a = {
      path: "a.yml",
      text: "kernel:\n  image: k/a:1\n  cmdline: one\n  ucode: intel-ucode.cpio\nservices:\n  - name: s\n    image: x/s:1\n",
    };
    const b = {
      path: "b.yml",
      text: 'kernel:\n  image: ""\n  ucode: ""\nservices:\n  - name: t\n    image: x/t:1\n    uid: s\n',
    };
    const { config, sources } = loadConfig([a, b]);
    expect(config.kernel).toEqual({ image: "docker.io/k/a:1", cmdline: "one", ucode: "" });
    expect(config.services.map((s) => s.name)).toEqual(["s", "t"]);
    expect(sources.locate(["services", 1, "uid"])).toEqual({ file: "b.yml", line: 7, col: 10 });
    expect(sources.locate(["kernel", "image"])).toEqual({ file: "a.yml", line: 2, col: 10 });
  });

  it("finds duplicate service names across files, and uid names from any file", () => {
    const a = { path: "a.yml", text: "services:\n  - name: s\n    image: x/s:1\n" };
    const b = {
      path: "b.yml",
      text: "services:\n  - name: s\n    image: x/s:2\nfiles:\n  - path: x\n    contents: y\n    uid: nosuch\n",
    };
    const lines = errorsOf([a, b]);
    expect(lines).toEqual([
      'b.yml:2:11: duplicate service name "s" (first used at a.yml:2:11); services run side by side and need unique names',
      'b.yml:7:10: cannot find id "nosuch": no onboot, onshutdown or services container has that name',
    ]);
  });

  it("accepts the 2017 example unchanged, with its outputs and a warning for trust", () => {
    const path = join(import.meta.dirname, "../../../test-fixtures/spec/yaml/002-docker-sshd-2017/input.yml");
    const loaded = loadConfig([{ path: "docker-sshd.yml", text: readFileSync(path, "utf8") }]);
    expect(loaded.config.onboot).toHaveLength(5);
    expect(loaded.config.services).toHaveLength(6);
    expect(loaded.config.files).toHaveLength(2);
    expect(loaded.config.outputs).toEqual(["kernel+initrd", "iso-bios"]);
    expect(loaded.warnings.map((w) => w.code)).toEqual(["SPEC_TRUST_IGNORED"]);
    expect(loaded.name).toBe("docker-sshd");
  });

  it.each([
    ["", "SPEC_EMPTY"],
    ["# nothing\n", "SPEC_EMPTY"],
    ["- a\n- b\n", "SPEC_NOT_A_MAPPING"],
    ["a: [1\n", "SPEC_YAML_SYNTAX"],
    ["init: []\ninit: []\n", "SPEC_YAML_SYNTAX"],
    ['init: ["@pkg:./pkg/init"]\n', "SPEC_TEMPLATE_UNSUPPORTED"],
  ])("rejects %j with %s", (text, code) => {
    expect(codesOf([{ path: "c.yml", text }])).toEqual([code]);
  });

  it("uses only the first of several YAML documents, with a warning", () => {
    const loaded = loadConfig([{ path: "c.yml", text: "init: [a/b:1]\n---\nbogus: 1\n" }]);
    expect(loaded.config.init).toEqual(["docker.io/a/b:1"]);
    expect(loaded.warnings).toEqual([
      {
        code: "SPEC_MULTIPLE_DOCUMENTS",
        at: { file: "c.yml", line: 2, col: 1 },
        message: expect.stringMatching(/only the first/),
      },
    ]);
  });
});
