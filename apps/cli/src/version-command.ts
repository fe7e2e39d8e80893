/**
 * `ocikit version` (and `ocikit --version`): print `ocikit <version>`, the version in this package's
 * package.json, which sits one directory above both `src/` and `dist/`.
 */
import { readFileSync } from "node:fs";
import { assert } from "@ocikit/errors";
import type { Command } from "commander";
import type { CliIo } from "./cli-io.js";

/** Adds `version` to `program`. */
export function registerVersionCommand(program: Command, io: CliIo): void {
  program
    .command("version")
    .summary("print the version of ocikit")
    .action(() => {
      io.stdout.write(`${versionLine()}\n`);
    });
}

/** `ocikit 0.1.0`. */
export function versionLine(): string {
  const pkg: unknown = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  assert(
    typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string",
    "@ocikit/cli's package.json has no version",
  );
  return `ocikit ${pkg.version}`;
}
