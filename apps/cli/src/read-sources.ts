/**
 * Reads the configuration files named on the command line, `-` meaning standard input, into the
 * `{ path, text }` list that `loadConfig` takes. Every unreadable file is reported, not just the first.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { getSystemErrorMap } from "node:util";
import type { ConfigSource } from "@ocikit/spec";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";

/**
 * Reads `paths` (relative to `io.cwd`; `-` is standard input) as UTF-8, keeping each path as given so
 * that diagnostics name files the way the user did.
 * @throws {CliError} `CLI_USAGE` when `-` is given twice; `CLI_READ_FAILED`, one line per file, when
 *   files cannot be read
 */
export async function readSources(
  paths: readonly string[],
  io: Pick<CliIo, "stdin" | "cwd">,
  opts: { command: string },
): Promise<ConfigSource[]> {
  if (paths.filter((p) => p === "-").length > 1) {
    throw new CliError(
      "CLI_USAGE",
      `${opts.command}: "-" (standard input) is given more than once; give it once`,
    );
  }
  const results = await Promise.allSettled(
    paths.map((path) => (path === "-" ? readStream(io.stdin) : readFile(resolve(io.cwd, path), "utf8"))),
  );
  const failures: string[] = [];
  const sources: ConfigSource[] = [];
  results.forEach((result, i) => {
    const path = paths[i] ?? "";
    if (result.status === "fulfilled") sources.push({ path, text: result.value });
    else
      failures.push(
        `${opts.command}: cannot read ${path === "-" ? "standard input" : path}: ${reasonOf(result.reason)}`,
      );
  });
  if (failures.length > 0) {
    const cause = results.find((r) => r.status === "rejected")?.reason;
    throw new CliError("CLI_READ_FAILED", failures.join("\n"), { cause });
  }
  return sources;
}

async function readStream(stream: AsyncIterable<Uint8Array | string>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}

// Node's own message repeats the syscall and the absolute path ("ENOENT: no such file or directory,
// open '/abs/x.yml'"); the user needs only the reason, as `cat` prints it.
function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const errno = (error as NodeJS.ErrnoException).errno;
    const described = errno === undefined ? undefined : getSystemErrorMap().get(errno)?.[1];
    return described ?? error.message;
  }
  return String(error);
}
