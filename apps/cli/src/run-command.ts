/**
 * `ocikit run [qemu|xhyve|hyperkit] [flags] PATH`: boots what `ocikit build` wrote, as
 * `linuxkit run` does (reference §6). PATH is a kernel prefix (`out/minimal` for
 * `out/minimal-kernel`, `-initrd.img`, `-cmdline`), an `.iso` or a disk image. The console is
 * attached to the terminal (vm-terminal.ts); the run exits 0 when the guest powers off or halts,
 * 1 when it panics, is killed or qemu fails. qemu is the default backend on Linux; xhyve and HyperKit
 * are macOS hypervisors whose command line ocikit builds (`xhyveArgv`) and runs only there.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { assert } from "@ocikit/errors";
import {
  type Accelerator,
  type DiskSpec,
  findBootTarget,
  HypervisorError,
  hostQemuArch,
  type Networking,
  type Publish,
  parseDiskSpec,
  parseMemory,
  parseNetworking,
  parsePublish,
  type QemuArch,
  type QemuRun,
  type RunQemuOptions,
  requireProgram,
  runQemu,
  xhyveArgv,
} from "@ocikit/hypervisor";
import { type Command, InvalidArgumentError } from "commander";
import type { CliIo } from "./cli-io.js";
import { CliError } from "./errors.js";
import { ociSettings } from "./oci-settings.js";
import { attachConsole } from "./vm-terminal.js";

/** The backends `run` knows. */
const BACKENDS = ["qemu", "xhyve", "hyperkit"] as const;
type Backend = (typeof BACKENDS)[number];

/** The flags `run` and `test` share (the VM's). */
export interface VmFlags {
  readonly cpus?: number;
  readonly mem?: number;
  readonly disk?: readonly DiskSpec[];
  readonly kernel?: boolean;
  readonly squashfs?: boolean;
  readonly iso?: boolean;
  readonly uefi?: boolean;
  readonly fw?: string;
  readonly state?: string;
  readonly data?: string;
  readonly dataFile?: string;
  readonly accel?: Accelerator | "auto";
  readonly qemu?: string;
  readonly networking?: Networking;
  readonly publish?: readonly Publish[];
  readonly gui?: boolean;
  readonly usb?: boolean;
  readonly device?: readonly string[];
  /** false with --no-reboot. */
  readonly reboot?: boolean;
}

interface RunFlags extends VmFlags {
  readonly timeout?: number;
}

/** Adds the VM flags to a command (`run`, `test`). */
export function addVmOptions(command: Command): Command {
  return command
    .option("--cpus <n>", "number of CPUs (default 1)", parsePositiveInteger)
    .option("--mem <size>", "memory, in MiB or with M/G (default 1024)", wrap(parseMemory))
    .option(
      "--disk <spec>",
      "[file=]PATH[,size=N[M|G]][,format=F]: a disk, created with qemu-img when it has a size and is missing (repeatable)",
      collectWith(parseDiskSpec),
    )
    .option("--kernel", "boot PATH-kernel (+ PATH-initrd.img, PATH-cmdline)")
    .option("--squashfs", "boot PATH-kernel with PATH-squashfs.img as its root disk")
    .option("--iso", "boot PATH (an ISO) from the CD-ROM")
    .option("--uefi", "boot through UEFI firmware (Debian's ovmf, or --fw)")
    .option("--fw <file>", "UEFI firmware to use instead of Debian's OVMF")
    .option("--state <dir>", "where the pid file, MAC address, console log and disks go (default PATH-state)")
    .option("--data <text>", "metadata for the guest, on a small ISO as the file config (as LinuxKit)")
    .option("--data-file <file>", "like --data, from a file")
    .option(
      "--accel <accel>",
      "kvm, tcg, hvf, or auto: KVM when a quick probe boots, else TCG (default)",
      parseAccel,
    )
    .option("--qemu <program>", "the qemu program (default qemu-system-<arch> on PATH)")
    .option("--networking <mode>", "user (default), tap,IFNAME, bridge,BRIDGE or none", wrap(parseNetworking))
    .option(
      "-p, --publish <ports>",
      "[ADDR:]HOST:GUEST[/tcp|udp]: forward a host port to the guest, user networking only (repeatable; ADDR default 127.0.0.1)",
      collectWith(parsePublish),
    )
    .option("--gui", "show qemu's window instead of a serial console")
    .option("--usb", "add a USB controller")
    .option(
      "--device <spec>",
      "a qemu -device value (repeatable)",
      collectWith((v) => v),
    )
    .option("--no-reboot", "end the VM when the guest reboots (a panic with panic=-1 too)");
}

/** Adds `run` to `program`. */
export function registerRunCommand(program: Command, io: CliIo): void {
  addVmOptions(
    program
      .command("run")
      .summary("boot a built image in qemu (xhyve or HyperKit on macOS)")
      .description(
        "Boot what ocikit build wrote, as linuxkit run does. PATH is a kernel prefix (out/minimal for " +
          "out/minimal-kernel, -initrd.img and -cmdline), an .iso or a disk image. The serial console is " +
          "attached to the terminal: every key goes to the guest; Ctrl-A x stops the VM, Ctrl-A p powers " +
          "the guest off, Ctrl-A h lists the keys. Exits 0 when the guest powers off or halts.\n" +
          "Backends: qemu (default), xhyve and hyperkit (macOS only). --arch takes the guest's " +
          "architecture (amd64 or x86_64, arm64 or aarch64, s390x, riscv64).",
      )
      .argument("[backend]", `qemu, xhyve or hyperkit (default qemu); or PATH`)
      .argument("[path]", "a kernel prefix, an .iso or a disk image"),
  )
    .option("--timeout <seconds>", "kill the VM after this many seconds", parsePositiveInteger)
    .action(
      async (first: string | undefined, second: string | undefined, flags: RunFlags, command: Command) => {
        const { backend, path } = backendAndPath(first, second);
        if (backend !== "qemu") {
          await runMacHypervisor(backend, path, flags, io);
          return;
        }
        const run = await startVm(path, flags, command, io);
        const { endedByUser } = await attachConsole(run.vm, io);
        const end = await run.vm.ended;
        // Ctrl-A x (as qemu's) or Ctrl-A p: the user ended it, which is not a failure.
        if (end.clean || endedByUser) io.stderr.write(`ocikit run: ${end.summary}\n`);
        else throw new CliError("CLI_VM_FAILED", `ocikit run: ${end.summary}${qemuSaid(end.qemuStderr)}`);
      },
    );
}

/**
 * Starts qemu for `run` and `test`, printing what it boots and which accelerator (and why) on stderr.
 * @throws {HypervisorError} what `runQemu` throws (missing files, qemu missing, port in use, …)
 */
export async function startVm(
  path: string,
  flags: VmFlags & { readonly timeout?: number },
  command: Command,
  io: CliIo,
  extra: Partial<RunQemuOptions> = {},
): Promise<QemuRun> {
  const settings = ociSettings(command, io);
  const data = await dataOf(flags, io);
  const run = await runQemu({
    path: resolve(io.cwd, path),
    mode: {
      ...(flags.kernel ? { kernel: true } : {}),
      ...(flags.squashfs ? { squashfs: true } : {}),
      ...(flags.iso ? { iso: true } : {}),
      ...(flags.uefi ? { uefi: true } : {}),
    },
    arch: guestArch(command),
    ...(flags.qemu ? { qemu: flags.qemu } : {}),
    ...(flags.cpus ? { cpus: flags.cpus } : {}),
    ...(flags.mem ? { memMiB: flags.mem } : {}),
    disks: (flags.disk ?? []).map((disk) =>
      disk.path ? { ...disk, path: resolve(io.cwd, disk.path) } : disk,
    ),
    ...(flags.state ? { stateDir: resolve(io.cwd, flags.state) } : {}),
    ...(data ? { data } : {}),
    ...(flags.fw ? { fw: resolve(io.cwd, flags.fw) } : {}),
    accel: flags.accel ?? "auto",
    cacheDir: settings.cacheDir,
    ...(flags.networking ? { networking: flags.networking } : {}),
    publish: flags.publish ?? [],
    gui: flags.gui ?? false,
    usb: flags.usb ?? false,
    devices: flags.device ?? [],
    noReboot: flags.reboot === false,
    ...(flags.timeout ? { timeoutMs: flags.timeout * 1000 } : {}),
    onProbe: (event) => {
      if (event.type === "probe-start")
        io.stderr.write(`ocikit: checking whether KVM can boot ${event.kernel ?? "a test sector"} here…\n`);
      else if (event.type === "warning") io.stderr.write(`ocikit: warning: ${event.message}\n`);
    },
    ...extra,
  });
  const { target, plan, accel, state } = run;
  const what = target.kind === "kernel" ? "kernel+initrd" : target.kind;
  io.stderr.write(
    `ocikit: booting ${path} (${what}${target.uefi ? ", UEFI" : ""}) with ${plan.qemu}, ${plan.cpus} CPU, ${plan.memMiB} MiB; accelerator ${accel.why}\n` +
      `ocikit: state in ${state.dir}${plan.publish.map((p) => `; ${p.hostAddress}:${p.hostPort} → guest ${p.guestPort}/${p.protocol}`).join("")}` +
      `${io.terminal ? "; Ctrl-A h for the console keys" : ""}\n`,
  );
  return run;
}

function backendAndPath(
  first: string | undefined,
  second: string | undefined,
): { backend: Backend; path: string } {
  if (first === undefined)
    throw new CliError(
      "CLI_USAGE",
      "ocikit run: no PATH given; give a kernel prefix (out/NAME), an .iso or a disk image",
    );
  if (second === undefined) return { backend: "qemu", path: first };
  if (!(BACKENDS as readonly string[]).includes(first))
    throw new CliError(
      "CLI_USAGE",
      `ocikit run: unknown backend "${first}"; expected one of ${BACKENDS.join(", ")}`,
    );
  return { backend: first as Backend, path: second };
}

/** The guest's architecture from the global --arch (OCI or qemu names), else this machine's. */
function guestArch(command: Command): QemuArch {
  const arch = command.optsWithGlobals<{ arch?: string }>().arch;
  if (arch === undefined) return hostQemuArch();
  return QEMU_ARCH_OF_OCI[arch] ?? (arch as QemuArch);
}

const QEMU_ARCH_OF_OCI: Readonly<Record<string, QemuArch>> = {
  amd64: "x86_64",
  arm64: "aarch64",
  s390x: "s390x",
  riscv64: "riscv64",
};

async function dataOf(flags: VmFlags, io: CliIo): Promise<Uint8Array | undefined> {
  if (flags.data !== undefined && flags.dataFile !== undefined)
    throw new CliError("CLI_USAGE", "ocikit run: --data and --data-file both given; give one");
  if (flags.data !== undefined) return Buffer.from(flags.data);
  if (flags.dataFile === undefined) return undefined;
  try {
    return await readFile(resolve(io.cwd, flags.dataFile));
  } catch (error) {
    throw new CliError(
      "CLI_READ_FAILED",
      `ocikit run: cannot read --data-file ${flags.dataFile}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** xhyve and HyperKit: the seed's command line, run where they exist (macOS). */
async function runMacHypervisor(
  backend: "xhyve" | "hyperkit",
  path: string,
  flags: VmFlags,
  io: CliIo,
): Promise<void> {
  if (process.platform !== "darwin") {
    throw new HypervisorError(
      "HV_UNSUPPORTED",
      `ocikit run ${backend}: ${backend} is a macOS hypervisor (Hypervisor.framework) and cannot run on ${process.platform}; use ocikit run qemu here`,
    );
  }
  const target = await findBootTarget(resolve(io.cwd, path), { kernel: true });
  assert(target.kind === "kernel", `findBootTarget gave ${target.kind} for --kernel`);
  const program = await requireProgram(backend);
  const args = xhyveArgv({
    hypervisor: backend,
    kernel: target.kernel,
    ...(target.initrd ? { initrd: target.initrd } : {}),
    cmdline: target.cmdline,
    memMiB: flags.mem ?? 1024,
    cpus: flags.cpus ?? 1,
    networking: { mode: "vmnet" },
  });
  const child = spawn(program, args, { stdio: "inherit" });
  const code = await new Promise<number | null>((done) => child.once("close", done));
  if (code !== 0)
    throw new CliError("CLI_VM_FAILED", `ocikit run ${backend}: ${backend} exited with ${code}`);
}

function qemuSaid(stderr: string): string {
  const text = stderr.trim();
  return text ? `; qemu said: ${text.split("\n").slice(-3).join(" / ")}` : "";
}

function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`"${value}": expected a whole number above 0`);
  return n;
}

function parseAccel(value: string): Accelerator | "auto" {
  if (value === "kvm" || value === "tcg" || value === "hvf" || value === "auto") return value;
  throw new InvalidArgumentError(`"${value}": expected kvm, tcg, hvf or auto`);
}

/** A hypervisor parser as a commander argument parser: its message becomes commander's. */
function wrap<T>(parse: (value: string) => T): (value: string) => T {
  return (value) => {
    try {
      return parse(value);
    } catch (error) {
      if (error instanceof HypervisorError) throw new InvalidArgumentError(error.message);
      throw error;
    }
  };
}

function collectWith<T>(
  parse: (value: string) => T,
): (value: string, previous: readonly T[] | undefined) => T[] {
  const one = wrap(parse);
  return (value, previous) => [...(previous ?? []), one(value)];
}
