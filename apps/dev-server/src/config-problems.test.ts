import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, SpecError } from "@ocikit/spec";
import { afterAll, beforeAll, expect, it } from "vitest";
import { configProblems } from "./config-problems.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-problems-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function loadError(sources: { path: string; text: string }[]): unknown {
  try {
    loadConfig(sources);
  } catch (error) {
    return error;
  }
  throw new Error("loadConfig accepted invalid YAML");
}

it("gives every problem of every file with its line's text", async () => {
  const a = { path: "a.yml", text: "init:\n  - ocikit-test/init:1\nonbot:\n  - name: x\n" };
  const b = { path: "b.yml", text: "kernel:\n  image: ocikit-test/kernel:6.1\n  cmdlin: x\n" };
  const problems = await configProblems(loadError([a, b]), { sources: [a, b], cwd: dir });
  expect(problems?.map((p) => [p.file, p.line, p.col, p.source])).toEqual([
    ["a.yml", 3, 1, "onbot:"],
    ["b.yml", 3, 3, "  cmdlin: x"],
  ]);
  expect(problems?.every((p) => p.message.length > 0)).toBe(true);
});

it("reads the line from the file when the text was not given", async () => {
  await writeFile(join(dir, "c.yml"), "one\ntwo\nthree\n");
  const error = new SpecError("SPEC_BAD_VALUE", "bad", { file: "c.yml", line: 2, col: 4 });
  expect(await configProblems(error, { cwd: dir })).toEqual([
    { file: "c.yml", line: 2, col: 4, message: "bad", source: "two" },
  ]);
});

it("leaves the line out when the file cannot be read", async () => {
  const error = new SpecError("SPEC_BAD_VALUE", "bad", { file: "gone.yml", line: 1, col: 1 });
  expect(await configProblems(error, { cwd: dir })).toEqual([
    { file: "gone.yml", line: 1, col: 1, message: "bad" },
  ]);
});

it("is undefined for an error that is not the spec's", async () => {
  expect(await configProblems(new Error("disk full"), { cwd: dir })).toBeUndefined();
});
