import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import type { CliIo } from "./cli-io.js";
import { main } from "./main.js";
import { createMemoryIo } from "./memory-io.js";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function run(argv: string[]) {
  const io = createMemoryIo({ cwd: tmpdir() });
  const code = await main(argv, io);
  return { code, stdout: io.stdoutText(), stderr: io.stderrText() };
}

describe("ocikit", () => {
  it.each([["version"], ["--version"], ["-V"]])("%s prints ocikit <version>", async (arg) => {
    expect(await run([arg])).toEqual({ code: 0, stdout: `ocikit ${pkg.version}\n`, stderr: "" });
  });

  it("schema prints the JSON Schema as 2-space JSON", async () => {
    const r = await run(["schema"]);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(schema.$schema).toMatch(/json-schema\.org/);
    expect(schema).toHaveProperty("properties.services");
    expect(r.stdout).toBe(`${JSON.stringify(schema, null, 2)}\n`);
  });

  it.each([
    ["--help", "Usage: ocikit [options] [command]"],
    ["-h", "Usage: ocikit [options] [command]"],
    ["help", "Usage: ocikit [options] [command]"],
    ["build --help", "Usage: ocikit build [options] <file...>"],
    ["help build", "Usage: ocikit build [options] <file...>"],
    ["schema --help", "Usage: ocikit schema [options]"],
    ["version --help", "Usage: ocikit version [options]"],
  ])("%s prints help on stdout and exits 0", async (args, usage) => {
    const r = await run(args.split(" "));
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith(usage)).toBe(true);
    expect(r.stderr).toBe("");
  });

  it("build --help lists the options for building", async () => {
    const r = await run(["build", "--help"]);
    for (const flag of [
      "--dry-run",
      "-f, --format <format>",
      "--name <name>",
      "--dir <dir>",
      "-o, --output <file>",
      "--no-sbom",
    ]) {
      expect(r.stdout).toContain(flag);
    }
  });

  it.each([
    ["no command", [], /Usage: ocikit/],
    ["an unknown command", ["frob"], /unknown command 'frob'/],
    ["a misspelt command", ["biuld"], /unknown command 'biuld'\n\(Did you mean build\?\)/],
    ["an unknown flag", ["--frob"], /unknown option '--frob'/],
    ["an unknown build flag", ["build", "--frob", "x.yml"], /unknown option '--frob'/],
    ["build without files", ["build", "--dry-run"], /missing required argument 'file'/],
    ["an argument to schema", ["schema", "extra"], /too many arguments for 'schema'/],
  ])("%s is a usage error: exit 2, message on stderr", async (_name, argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
  });

  it("an unexpected error prints the stack, asks for a bug report and exits 70", async () => {
    const base = createMemoryIo({ cwd: tmpdir() });
    const io: CliIo = {
      ...base,
      stdout: {
        write: () => {
          throw new TypeError("stdout is on fire");
        },
      },
    };
    const code = await main(["schema"], io);
    expect(code).toBe(70);
    expect(base.stderrText()).toMatch(/^ocikit: unexpected error; this is a bug in ocikit, please report it/);
    expect(base.stderrText()).toMatch(/TypeError: stdout is on fire\n\s+at /);
  });

  it("a refusal of the host (a full disk, a permission) is reported without a stack and exits 1", async () => {
    const base = createMemoryIo({ cwd: tmpdir() });
    const io: CliIo = {
      ...base,
      stdout: {
        write: () => {
          throw Object.assign(new Error("ENOSPC: no space left on device, write"), {
            code: "ENOSPC",
            syscall: "write",
            path: "/full/schema.json",
          });
        },
      },
    };
    expect(await main(["schema"], io)).toBe(1);
    expect(base.stderrText()).toBe(
      "ocikit: /full/schema.json: no space left on the device (ENOSPC, write); check the permissions and free space of the cache (--cache) and output directories\n",
    );
  });
});
