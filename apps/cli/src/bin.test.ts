import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const cliDir = fileURLToPath(new URL("..", import.meta.url));
// tsx is a root devDependency; resolve it here because the child runs in a temporary directory.
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

// The real executable in a real process: bin/ocikit.js → src/bin.ts (via --conditions=source, with
// tsx compiling TypeScript), so exit codes and stderr go through process.exitCode and real streams.
it("bin/ocikit.js exits 2 with file:line:col errors for invalid YAML", { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), "ocikit-cli-bin-"));
  try {
    await writeFile(join(dir, "bad.yml"), "services:\n  - name: getty\n    imagee: linuxkit/getty:v1.2.0\n");
    const result = await promisify(execFile)(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        tsxLoader,
        join(cliDir, "bin/ocikit.js"),
        "build",
        "--dry-run",
        "bad.yml",
      ],
      { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" } },
    ).then(
      () => ({ code: 0, stdout: "", stderr: "" }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^bad\.yml:3:5: unknown key "imagee"/m);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// `ocikit schema | head -1`: the reader closes the pipe early; that must not print a stack trace.
it("bin/ocikit.js exits quietly when its output pipe is closed early", { timeout: 60_000 }, async () => {
  const { spawn } = await import("node:child_process");
  const child = spawn(
    process.execPath,
    ["--conditions=source", "--import", tsxLoader, join(cliDir, "bin/ocikit.js"), "schema"],
    {
      env: { ...process.env, NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.destroy(); // closed before the child writes anything: its write fails with EPIPE
  const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
  expect(stderr).not.toMatch(/EPIPE|^\s+at /m);
  expect(code).toBe(0);
});

// Ctrl-C in the middle of writing an output: the half-written file is removed and the exit code is
// 130, as a shell expects. A 256 MiB file in files: makes the tar slow enough to be caught writing.
it("bin/ocikit.js removes the output it is writing on SIGINT and exits 130", {
  timeout: 120_000,
}, async () => {
  const { spawn } = await import("node:child_process");
  const { open, readdir } = await import("node:fs/promises");
  const dir = await mkdtemp(join(tmpdir(), "ocikit-cli-sigint-"));
  try {
    const big = await open(join(dir, "big.bin"), "w");
    await big.truncate(256 * 1024 * 1024);
    await big.close();
    await writeFile(join(dir, "big.yml"), "files:\n  - path: big.bin\n    source: big.bin\n");
    const child = spawn(
      process.execPath,
      [
        "--conditions=source",
        "--import",
        tsxLoader,
        join(cliDir, "bin/ocikit.js"),
        "--cache",
        join(dir, "cache"),
        "build",
        "-f",
        "tar",
        "--dir",
        join(dir, "out"),
        "big.yml",
      ],
      { cwd: dir, env: { ...process.env, NODE_OPTIONS: "" }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const closed = new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    let writing: string[] = [];
    for (let i = 0; i < 2000 && writing.length === 0 && child.exitCode === null; i++) {
      writing = await readdir(join(dir, "out")).catch(() => []);
      if (writing.length === 0) await new Promise((r) => setTimeout(r, 5));
    }
    expect(writing, stderr).toEqual([expect.stringMatching(/^\.big\.tar\.\d+-[0-9a-f]+\.tmp$/)]);
    child.kill("SIGINT");
    expect(await closed).toBe(130);
    expect(stderr).toMatch(/^ocikit: interrupted; removed 1 unfinished file$/m);
    expect(await readdir(join(dir, "out"))).toEqual([]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
