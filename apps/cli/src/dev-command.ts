/**
 * `ocikit dev [--port N] [--host H] [--no-open] [run flags] FILE…`: the dev loop (issue 7). Builds
 * kernel+initrd into a temporary directory (or `--dir`), boots it under qemu, watches the YAML files
 * and every `files: source:`, rebuilds and reboots on a change (an invalid edit keeps the last good
 * VM), and serves a page on loopback — with a random token in its URL — that shows the console and
 * the pipeline live (@ocikit/dev-server). Runs until interrupted.
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "@ocikit/build";
import { DevHub, type DevLoopVm, devPageDir, startDevLoop, startDevServer } from "@ocikit/dev-server";
import { findProgram } from "@ocikit/hypervisor";
import { type Command, InvalidArgumentError } from "commander";
import { imageSettings } from "./build-command.js";
import type { CliIo } from "./cli-io.js";
import { openOciContext } from "./oci-context.js";
import { addVmOptions, startVm, type VmFlags } from "./run-command.js";

interface DevFlags extends VmFlags {
  readonly port?: number;
  readonly host?: string;
  readonly open: boolean;
  readonly dir?: string;
}

/** Adds `dev` to `program`. */
export function registerDevCommand(program: Command, io: CliIo): void {
  addVmOptions(
    program
      .command("dev")
      .summary("build, boot, and rebuild and reboot on every edit, with the console in the browser")
      .description(
        "Build kernel+initrd from the YAML files and boot it under qemu; watch the files (and every files: source:), " +
          "rebuild what an edit changes and reboot; an invalid edit shows its errors and keeps the last good VM. " +
          "Serves a page on loopback (a random token in its URL) with the console, the build pipeline and the " +
          "history. Runs until interrupted (Ctrl-C).",
      )
      .argument("<file...>", "YAML configuration files, merged in order")
      .option("--port <port>", "the page's port (default: a free one)", parsePort)
      .option("--host <host>", "the address to serve the page on (default 127.0.0.1)")
      .option("--no-open", "do not open the page in a browser")
      .option("--dir <dir>", "where to build (default: a temporary directory, removed at the end)"),
  ).action(async (files: string[], flags: DevFlags, command: Command) => {
    await runDev(files, flags, command, io);
  });
}

async function runDev(files: string[], flags: DevFlags, command: Command, io: CliIo): Promise<void> {
  const ctx = await openOciContext(command, io);
  const temp = flags.dir === undefined ? await mkdtemp(join(tmpdir(), "ocikit-dev-")) : undefined;
  const outDir = temp ?? resolve(io.cwd, flags.dir ?? ".");
  // Ctrl-C ends the process at once (bin.ts); the temporary outputs go with it.
  const removeTemp = () => {
    if (temp) rmSync(temp, { recursive: true, force: true });
  };
  process.once("exit", removeTemp);
  const controller = new AbortController();
  const hub = new DevHub({ files });
  const loop = startDevLoop({
    files,
    cwd: io.cwd,
    outDir,
    homeDir: ctx.settings.homeDir,
    signal: controller.signal,
    publish: (message) => hub.publish(message),
    build: async (loaded, { dir, onEvent }) => {
      const name = loaded.name;
      await build(loaded, {
        formats: ["kernel+initrd"],
        name,
        dir,
        ...imageSettings(ctx, io),
        sbom: false,
        onEvent,
      });
      return { kernelPrefix: join(dir, name) };
    },
    boot: async (prefix): Promise<DevLoopVm> => (await startVm(prefix, flags, command, io)).vm,
  });
  hub.setFiles(loop.files());
  hub.onClientMessage((message) => {
    if (message.type === "input") loop.input(Buffer.from(message.data, "base64"));
    else if (message.type === "rebuild") loop.rebuild("rebuild");
    else if (message.type === "reboot") void loop.reboot();
    else void loop.stop();
  });
  const staticDir = devPageDir();
  if (staticDir === undefined)
    io.stderr.write("ocikit dev: the page is not built (pnpm build); serving a placeholder page\n");
  const server = await startDevServer({
    hub,
    ...(staticDir ? { staticDir } : {}),
    ...(flags.host ? { host: flags.host } : {}),
    ...(flags.port !== undefined ? { port: flags.port } : {}),
    signal: controller.signal,
  });
  io.stderr.write(
    `ocikit dev: building into ${outDir}; watching ${files.join(", ")}; the page is at ${server.url}\n`,
  );
  if (flags.open) await openInBrowser(server.url, io);
  try {
    await loop.closed;
  } finally {
    controller.abort();
    await server.close();
    process.removeListener("exit", removeTemp);
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

/** Opens the page with xdg-open (or open on macOS) when there is one; says so when there is not. */
async function openInBrowser(url: string, io: CliIo): Promise<void> {
  const opener = process.platform === "darwin" ? "open" : "xdg-open";
  const path = await findProgram(opener);
  if (!path) {
    io.stderr.write(`ocikit dev: no ${opener} here to open a browser; open the address above yourself\n`);
    return;
  }
  spawn(path, [url], { stdio: "ignore", detached: true }).unref();
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError(`"${value}": expected a port, 0 to 65535`);
  return n;
}
