/**
 * The process behind the `ocikit` executable: runs `main()` with this process's streams and sets the
 * exit code. `bin/ocikit.js` imports it unconditionally (pnpm's bin shims defeat "is this the main
 * module" checks). Standard input is opened only if a command reads it.
 */

import { isatty } from "node:tty";
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

let stdinRead = false;
process.exitCode = await main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: {
    [Symbol.asyncIterator]: () => {
      stdinRead = true;
      return process.stdin[Symbol.asyncIterator]();
    },
  },
  // isatty(0), not process.stdin.isTTY: that getter would open standard input for every command.
  ...(isatty(0) ? { terminal: { setRawMode: (raw: boolean) => process.stdin.setRawMode(raw) } } : {}),
  env: process.env,
  cwd: process.cwd(),
});
// `run` reads standard input until the VM ends; a pipe that stays open would keep a read pending,
// and the process alive, after the command is done.
if (stdinRead) process.stdin.destroy();
