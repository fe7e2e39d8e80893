/**
 * `ocikit test --expect REGEX… FILE…`: the boot test LinuxKit keeps in a separate harness (`rtf`:
 * build, `linuxkit run`, grep the console). Builds kernel+initrd (into a temporary directory unless
 * `--dir`), boots it under qemu with `-no-reboot`, shows the console, waits until every `--expect`
 * pattern has matched a console line (in any order), then powers the guest off (ACPI, killed if it
 * does not stop). Exits 0 when every pattern was seen, 1 with the patterns missing, the timeout and
 * the console's tail otherwise — also when the guest ends first.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { BuildResult } from "@ocikit/build";
import { assert } from "@ocikit/errors";
import { HypervisorError } from "@ocikit/hypervisor";
import { type Command, InvalidArgumentError } from "commander";
import { buildLoaded, loadFiles } from "./build-command.js";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";
import { addVmOptions, startVm, type VmFlags } from "./run-command.js";

/** The formats `test` boots, and whether through UEFI (the hybrid iso-efi-initrd: BIOS, or UEFI with --uefi). */
const BOOTABLE = {
  "kernel+initrd": { uefi: false },
  "raw-efi": { uefi: true },
  "iso-bios": { uefi: false },
  "iso-efi": { uefi: true },
  "iso-efi-initrd": { uefi: false },
} as const;
type BootableFormat = keyof typeof BOOTABLE;

interface TestFlags extends VmFlags {
  readonly format: BootableFormat;
  readonly bootloaderImage?: string;
  readonly expect: readonly RegExp[];
  readonly timeout: number;
  readonly dir?: string;
  readonly name?: string;
}

/** Defaults of `ocikit test`. */
const TEST_DEFAULTS = {
  /** Seconds from the start of the boot until every pattern must have been seen (TCG boots take ~10 s). */
  timeoutSeconds: 300,
  /** How long the guest gets to power off after the last pattern. */
  powerdownGraceMs: 10_000,
  tailChars: 3000,
} as const;

/** Adds `test` to `program`. */
export function registerTestCommand(program: Command, io: CliIo): void {
  addVmOptions(
    program
      .command("test")
      .summary("build, boot, and wait for patterns on the console (a boot test)")
      .description(
        "Build kernel+initrd (or raw-efi, iso-bios, iso-efi, iso-efi-initrd) from the YAML files, boot it under qemu (-no-reboot; " +
          "UEFI for raw-efi and iso-efi, or with --uefi), print the console, and wait " +
          "until every --expect pattern has matched a console line; then power the guest off. Exits 0 when all " +
          "were seen, 1 otherwise (with the console's tail). Takes the run flags too.",
      )
      .argument("<file...>", "YAML configuration files; - for standard input")
      .requiredOption(
        "-e, --expect <regex>",
        "a JavaScript regular expression a console line must match (repeatable)",
        collectRegExp,
      )
      .option(
        "--timeout <seconds>",
        `how long the boot may take to show every pattern (default ${TEST_DEFAULTS.timeoutSeconds})`,
        parseSeconds,
        TEST_DEFAULTS.timeoutSeconds,
      )
      .option(
        "-f, --format <format>",
        `what to build and boot: ${Object.keys(BOOTABLE).join(" or ")} (through UEFI firmware)`,
        parseFormat,
        "kernel+initrd",
      )
      .option("--bootloader-image <ref>", "image with the boot files (see ocikit build --help)")
      .option("--dir <dir>", "where to build (default: a temporary directory, removed afterwards)")
      .option("--name <name>", "base name of the outputs (default: the last file's name)"),
  ).action(async (files: string[], flags: TestFlags, command: Command) => {
    await runTest(files, flags, command, io);
  });
}

async function runTest(files: string[], flags: TestFlags, command: Command, io: CliIo): Promise<void> {
  const loaded = await loadFiles(files, io, "ocikit test");
  const temp = flags.dir === undefined ? await mkdtemp(join(tmpdir(), "ocikit-test-")) : undefined;
  try {
    const dir = temp ?? resolve(io.cwd, flags.dir ?? ".");
    const name = flags.name ?? loaded.name;
    const built = await buildLoaded(
      loaded,
      {
        format: [flags.format],
        name,
        dir,
        sbom: false,
        compression: "gzip",
        ...(flags.bootloaderImage ? { bootloaderImage: flags.bootloaderImage } : {}),
      },
      command,
      io,
    );
    // The time limit starts with the boot: a slow first build must not eat it.
    const bootable = BOOTABLE[flags.format];
    const run = await startVm(
      bootPath(built, flags.format),
      { ...flags, uefi: bootable.uefi || flags.uefi, reboot: false },
      command,
      io,
      {
        timeoutMs: flags.timeout * 1000 + TEST_DEFAULTS.powerdownGraceMs,
      },
    );
    const { vm } = run;
    const unsubscribe = vm.console.subscribe((chunk) => io.stdout.write(chunk), { replay: true });
    const started = Date.now();
    const missing: RegExp[] = [];
    for (const pattern of flags.expect) {
      const left = flags.timeout * 1000 - (Date.now() - started);
      const seen = await vm.console.waitFor(pattern, { timeoutMs: Math.max(left, 1) }).then(
        () => true,
        (error: unknown) => {
          // HV_TIMEOUT: time ran out, or the VM ended without printing it.
          if (error instanceof HypervisorError) return false;
          throw error;
        },
      );
      if (!seen) missing.push(pattern);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const end = vm.console.isEnded
      ? await vm.ended
      : await vm.stop({ graceMs: TEST_DEFAULTS.powerdownGraceMs });
    unsubscribe();
    if (missing.length > 0) {
      throw new CliError(
        "CLI_TEST_FAILED",
        `ocikit test: FAILED: not seen on the console within ${flags.timeout} s: ${missing.map(String).join(", ")}; ` +
          `${end.summary}; the console's last lines:\n${vm.console.tail(TEST_DEFAULTS.tailChars)}`,
      );
    }
    io.stderr.write(
      `ocikit test: passed: ${flags.expect.length} pattern${flags.expect.length === 1 ? "" : "s"} seen in ${seconds} s (${run.accel.accel}); ${end.summary}\n`,
    );
  } finally {
    if (temp) await rm(temp, { recursive: true, force: true });
  }
}

function collectRegExp(value: string, previous: readonly RegExp[] | undefined): RegExp[] {
  try {
    return [...(previous ?? []), new RegExp(value)];
  } catch (error) {
    throw new InvalidArgumentError(`"${value}" is not a regular expression: ${(error as Error).message}`);
  }
}

/** What `run` boots of the build: the kernel prefix (`DIR/NAME` of `NAME-kernel`), or the one image written. */
function bootPath(built: BuildResult, format: BootableFormat): string {
  const paths = built.outputs.filter((output) => output.format === format).map((output) => output.path);
  const path = format === "kernel+initrd" ? paths.find((p) => p.endsWith("-kernel")) : paths[0];
  assert(path !== undefined, `the build wrote no ${format} output`);
  return format === "kernel+initrd" ? path.slice(0, -"-kernel".length) : path;
}

function parseFormat(value: string): BootableFormat {
  if (value in BOOTABLE) return value as BootableFormat;
  throw new InvalidArgumentError(`"${value}": test boots ${Object.keys(BOOTABLE).join(" or ")}`);
}

function parseSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new InvalidArgumentError(`"${value}": expected a number of seconds above 0`);
  return n;
}
