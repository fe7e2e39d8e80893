/**
 * The process behind the `ocikit` executable: runs `main()` with this process's streams and sets the
 * exit code. `bin/ocikit.js` imports it unconditionally (pnpm's bin shims defeat "is this the main
 * module" checks). Standard input is opened only if a command reads it.
 */
import { removeUnfinishedFilesSync } from "@ocikit/build";
import { main } from "./main.js";

// Ctrl-C or a kill while building: remove the files being written (outputs and section-cache
// members not yet under their names) and exit as a shell expects, 128 + the signal's number. Files
// already complete stay; the image cache's own partial downloads are resumed by the next pull.
for (const [signal, number] of [
  ["SIGINT", 2],
  ["SIGTERM", 15],
] as const) {
  process.once(signal, () => {
    const removed = removeUnfinishedFilesSync();
    process.stderr.write(
      `ocikit: interrupted${removed.length > 0 ? `; removed ${removed.length} unfinished file${removed.length === 1 ? "" : "s"}` : ""}\n`,
    );
    process.exit(128 + number);
  });
}

// A reader that stops early (`ocikit schema | head`) closes the pipe: that is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: { [Symbol.asyncIterator]: () => process.stdin[Symbol.asyncIterator]() },
  ...(process.stdin.isTTY
    ? { terminal: { setRawMode: (raw: boolean) => process.stdin.setRawMode(raw) } }
    : {}),
  env: process.env,
  cwd: process.cwd(),
});
