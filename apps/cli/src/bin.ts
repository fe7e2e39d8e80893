/**
 * The process behind the `ocikit` executable: runs `main()` with this process's streams and sets the
 * exit code. `bin/ocikit.js` imports it unconditionally (pnpm's bin shims defeat "is this the main
 * module" checks). Standard input is opened only if a command reads it.
 */
import { main } from "./main.js";

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
  env: process.env,
  cwd: process.cwd(),
});
