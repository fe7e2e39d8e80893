/**
 * Running the real `ocikit` executable from its sources in a child process, so the console, stdin,
 * signals and the exit code go through real streams (boot and dev tests).
 */
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const bin = join(import.meta.dirname, "../bin/ocikit.js");

/** The argv (node first) that runs `ocikit ARGS…` from the TypeScript sources. */
export function cliArgv(args: readonly string[]): string[] {
  return [process.execPath, "--conditions=source", "--import", tsxLoader, bin, ...args];
}

/**
 * Global flags that keep a test offline: the given image cache, and every registry mirrored to a
 * port nothing listens on, so an image missing from the cache fails at once instead of going out.
 */
export function offlineFlags(cache: string): string[] {
  return ["--cache", cache, "--mirror", "http://127.0.0.1:9"];
}
