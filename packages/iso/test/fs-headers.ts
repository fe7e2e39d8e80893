/** Headers of a file (0644) and a directory (0755), owned by root at time 0, for planning tests. */
import type { FsHeader } from "@ocikit/fs";

export const fileHeader = (path: string, size = 1): FsHeader => ({
  path,
  type: "file",
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 0,
  size,
});

export const dirHeader = (path: string): FsHeader => ({
  path,
  type: "dir",
  mode: 0o755,
  uid: 0,
  gid: 0,
  mtime: 0,
  size: 0,
});
