/**
 * The `files` section (linuxkit-reference.md §1.7, §3.9): each entry becomes a file, a directory or
 * a symlink, with its missing parent directories first — emitted once per files section (LinuxKit
 * tracks them only within `files`), owned like the file, with the file's mode plus the execute bit
 * wherever it has any permission (0600 → 0700, 0644 → 0755), so they override the mode of a
 * directory an image already made (Appendix A.6). `contents`, a host file (`source`, relative to the
 * working directory, `~/` = home; `optional` skips a missing one) or the configuration itself
 * (`metadata: yaml|json`).
 */
import { readFile } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { entryFromBytes, type FsEntry, normalizeEntryPath, parentPath } from "@ocikit/fs";
import { type Config, type FileEntry, type IdMap, renderConfigYaml, resolveId } from "@ocikit/spec";
import { CREATED_MTIME } from "./constants.js";
import { BuildError } from "./errors.js";
import { dirEntry, symlinkEntry } from "./generated-entries.js";

export interface FilesContext {
  readonly config: Config;
  readonly ids: IdMap;
  /** Where `source` paths are relative to (the process's working directory, as in LinuxKit). */
  readonly cwd: string;
  readonly homeDir: string;
}

/** A files entry made ready: its bytes read (sources) or rendered (metadata). */
export interface PreparedFile {
  readonly entry: FileEntry;
  /** The contents of a regular file; undefined for directories, symlinks and skipped optional files. */
  readonly bytes?: Uint8Array;
  readonly skip: boolean;
}

/**
 * Reads `source` files and renders `metadata`: everything a files section's bytes depend on, so
 * that its cache key can be computed before anything is written.
 * @throws {BuildError} BUILD_FILE_SOURCE when a non-optional source cannot be read
 */
export async function prepareFiles(context: FilesContext): Promise<PreparedFile[]> {
  return Promise.all(
    context.config.files.map(async (entry): Promise<PreparedFile> => {
      if (
        entry.directory ||
        (entry.symlink !== undefined && entry.contents === undefined && entry.source === undefined)
      ) {
        return { entry, skip: false };
      }
      if (entry.metadata !== undefined)
        return { entry, bytes: renderMetadata(context.config, entry.metadata), skip: false };
      if (entry.source !== undefined) {
        const path = sourcePath(entry.source, context);
        try {
          return { entry, bytes: await readFile(path), skip: false };
        } catch (error) {
          if (entry.optional) return { entry, skip: true };
          throw new BuildError(
            "BUILD_FILE_SOURCE",
            `files: "${entry.path}": cannot read source ${path}: ${(error as Error).message}`,
            {
              cause: error,
            },
          );
        }
      }
      return { entry, bytes: new TextEncoder().encode(entry.contents ?? ""), skip: false };
    }),
  );
}

/** The section's entries. */
export function* filesEntries(files: readonly PreparedFile[], ids: IdMap): Iterable<FsEntry> {
  const made = new Set<string>();
  for (const { entry, bytes, skip } of files) {
    if (skip) continue;
    const path = normalizeEntryPath(entry.path ?? "");
    const owner = { uid: resolveId(entry.uid, ids) ?? 0, gid: resolveId(entry.gid, ids) ?? 0 };
    const isDir = entry.directory === true;
    const mode = entry.mode ? Number.parseInt(entry.mode, 8) : isDir ? 0o700 : 0o600;
    const parents: string[] = [];
    for (let p = parentPath(path); p !== "."; p = parentPath(p)) parents.unshift(p);
    for (const dir of parents) {
      if (made.has(dir)) continue;
      made.add(dir);
      yield dirEntry(dir, dirMode(mode), owner);
    }
    if (isDir) {
      made.add(path);
      yield dirEntry(path, mode, owner);
    } else if (entry.symlink !== undefined) {
      yield symlinkEntry(path, entry.symlink, mode, owner);
    } else {
      yield entryFromBytes(
        { path, type: "file", mode, uid: owner.uid, gid: owner.gid, mtime: CREATED_MTIME },
        bytes ?? new Uint8Array(),
      );
    }
  }
}

/** A parent directory's mode: the file's, plus x for each of user/group/other with any permission. */
export function dirMode(mode: number): number {
  let out = mode & 0o777;
  if (out & 0o700) out |= 0o100;
  if (out & 0o070) out |= 0o010;
  if (out & 0o007) out |= 0o001;
  return out;
}

function sourcePath(source: string, context: FilesContext): string {
  if (source === "~" || source.startsWith("~/")) return join(context.homeDir, source.slice(1));
  return isAbsolute(source) ? source : resolve(context.cwd, source);
}

/** The merged configuration as the image sees it (`metadata: yaml|json`). */
function renderMetadata(config: Config, kind: string): Uint8Array {
  const { outputs: _outputs, ...rest } = config;
  const text =
    kind === "json" ? `${JSON.stringify(rest, null, 2)}\n` : renderConfigYaml({ ...config, outputs: [] });
  return new TextEncoder().encode(text);
}
