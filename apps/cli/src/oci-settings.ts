/**
 * The global options every image-using command shares — `--cache`, `--arch`, `--mirror`,
 * `--insecure-registry`, `--pull`, `--json` — and what they resolve to: the cache directory is
 * `--cache`, else `$OCIKIT_CACHE`, else `$XDG_CACHE_HOME/ocikit`, else `~/.cache/ocikit`; the home
 * directory (for `~/` and `~/.docker/config.json`) is `$HOME`, else the account's.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { ARCHITECTURES, hostPlatform, type Mirror, type Platform, parsePlatform } from "@ocikit/oci";
import { type Command, InvalidArgumentError } from "commander";
import type { CliIo } from "./cli-io.js";

/** Resolved global options. */
export interface OciSettings {
  readonly cacheDir: string;
  readonly homeDir: string;
  readonly platform: Platform;
  readonly mirrors: readonly Mirror[];
  readonly insecureRegistries: readonly string[];
  readonly pull: boolean;
  readonly json: boolean;
}

interface GlobalOptionValues {
  readonly cache?: string;
  readonly arch?: string;
  readonly mirror?: readonly Mirror[];
  readonly insecureRegistry?: readonly string[];
  readonly pull?: boolean;
  readonly json?: boolean;
}

/** Adds the global options to the program (subcommands read them with `optsWithGlobals`). */
export function addGlobalOptions(program: Command): Command {
  return program
    .option(
      "--cache <dir>",
      "image cache directory (default: $OCIKIT_CACHE, else $XDG_CACHE_HOME/ocikit, else ~/.cache/ocikit)",
    )
    .option(
      "--arch <arch>",
      `architecture of the images to use (and of the guest to run): ${ARCHITECTURES.join(", ")}, or x86_64/aarch64 (default: this machine's)`,
      parseArch,
    )
    .option(
      "--mirror <mirror>",
      "registry mirror, REGISTRY=URL or URL for all registries (repeatable)",
      collectMirror,
    )
    .option(
      "--insecure-registry <host>",
      "reach this registry over plain HTTP (repeatable; loopback always is)",
      collect,
    )
    .option("--pull", "fetch tags again even when they are cached")
    .option("--json", "print progress and results as JSON, one object per line");
}

/** The settings in effect for a command. */
export function ociSettings(command: Command, io: Pick<CliIo, "env" | "cwd">): OciSettings {
  const o = command.optsWithGlobals<GlobalOptionValues>();
  const homeDir = io.env.HOME ?? homedir();
  return {
    cacheDir: resolve(io.cwd, o.cache ?? defaultCacheDir(io.env, homeDir)),
    homeDir,
    platform: o.arch ? { os: "linux", architecture: o.arch } : hostPlatform(),
    mirrors: o.mirror ?? [],
    insecureRegistries: o.insecureRegistry ?? [],
    pull: o.pull ?? false,
    json: o.json ?? false,
  };
}

/** `$OCIKIT_CACHE`, else `$XDG_CACHE_HOME/ocikit`, else `~/.cache/ocikit`. */
function defaultCacheDir(env: CliIo["env"], homeDir: string): string {
  if (env.OCIKIT_CACHE) return env.OCIKIT_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "ocikit");
  return join(homeDir, ".cache", "ocikit");
}

/** qemu's (and uname's) names of the architectures, accepted for `--arch` as `linuxkit run` takes them. */
const ARCH_ALIASES: Readonly<Record<string, string>> = { x86_64: "amd64", aarch64: "arm64" };

function parseArch(value: string): string {
  const { architecture } = parsePlatform(ARCH_ALIASES[value] ?? value);
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new InvalidArgumentError(
      `unknown architecture "${value}"; expected one of ${ARCHITECTURES.join(", ")}`,
    );
  }
  return architecture;
}

function collectMirror(value: string, previous: readonly Mirror[] | undefined): Mirror[] {
  const eq = value.indexOf("=");
  const mirror: Mirror =
    eq > 0 && !value.slice(0, eq).includes("://")
      ? { registry: value.slice(0, eq), url: value.slice(eq + 1) }
      : { url: value };
  if (!/^https?:\/\/[^/]/.test(mirror.url)) {
    throw new InvalidArgumentError(
      `mirror "${value}": the URL must start with http:// or https://, e.g. docker.io=http://127.0.0.1:5000`,
    );
  }
  return [...(previous ?? []), mirror];
}

function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
