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
