/**
 * Command lines for xhyve and HyperKit (macOS, x86_64), which boot a kernel and initrd directly
 * (`-f kexec,KERNEL,INITRD,CMDLINE`). The base is the form users ran LinuxKit images with,
 * `xhyve -A -m 1G -s 0:0,hostbridge -s 31,lpc -l com1,stdio -s 2:0,virtio-net -f kexec,…`
 * (xhyve's xhyverun.sh; HyperKit takes the same), in that order, with `-c N` after the memory when
 * there is more than one CPU, `-U uuid`, and disks and CD-ROMs on further PCI slots (disks from slot
 * 4, as xhyverun.sh). HyperKit adds what LinuxKit's `run hyperkit` (through hyperkit's Go package)
 * passes: `-u` (the RTC keeps UTC), `-F PIDFILE`, a virtio RNG, and vpnkit networking. Left out:
 * virtio-sock and 9p sockets, the `autopty` console, and the `earlyprintk=serial` HyperKit's Go
 * package prepends to the command line (which, as with qemu, is the user's as given).
 */
import { HypervisorError } from "./errors.js";

/** How the guest's NIC is backed. */
export type XhyveNetworking =
  /** `-s 2:0,virtio-net`: Apple's vmnet (NAT with DHCP; needs root). */
  | { readonly mode: "vmnet" }
  /** `-s 2:0,virtio-vpnkit,path=SOCKET`: a vpnkit instance (HyperKit only, e.g. Docker Desktop's). */
  | { readonly mode: "vpnkit"; readonly socket: string }
  | { readonly mode: "none" };

/** What {@link xhyveArgv} needs. */
export interface XhyveArgvOptions {
  /** Default "xhyve". */
  readonly hypervisor?: "xhyve" | "hyperkit";
  readonly kernel: string;
  readonly initrd?: string;
  readonly cmdline: string;
  readonly memMiB: number;
  readonly cpus: number;
  readonly uuid?: string;
  readonly networking: XhyveNetworking;
  /** Raw disk images, on virtio-blk. */
  readonly disks?: readonly string[];
  /** ISO images, on AHCI CD-ROMs (e.g. the `--data` ISO). */
  readonly cdroms?: readonly string[];
  /** HyperKit's `-F`: where it writes its pid. */
  readonly pidFile?: string;
}

/** The first PCI slot for disks (xhyverun.sh); 31 is the LPC bridge. */
const FIRST_DISK_SLOT = 4;
const LPC_SLOT = 31;

/**
 * The arguments of `xhyve` or `hyperkit` (without the program).
 * @throws HV_BAD_OPTION for a path with a comma, vpnkit with xhyve, or more devices than PCI slots
 * @example
 * ```ts
 * xhyveArgv({ kernel: "docker-sshd-kernel", initrd: "docker-sshd-initrd.img", cmdline: "console=ttyS0",
 *   memMiB: 1024, cpus: 1, networking: { mode: "vmnet" } });
 * // -A -m 1G -s 0:0,hostbridge -s 31,lpc -l com1,stdio -s 2:0,virtio-net -f kexec,docker-sshd-kernel,…
 * ```
 */
export function xhyveArgv(options: XhyveArgvOptions): string[] {
  const hyperkit = options.hypervisor === "hyperkit";
  const program = options.hypervisor ?? "xhyve";
  for (const path of [
    options.kernel,
    options.initrd ?? "",
    ...(options.disks ?? []),
    ...(options.cdroms ?? []),
  ]) {
    // xhyve splits these options at commas; only the command line, last, may hold them.
    if (path.includes(",")) {
      throw new HypervisorError(
        "HV_BAD_OPTION",
        `${path}: ${program} cannot take a path with a comma; rename or move it`,
      );
    }
  }
  if (options.networking.mode === "vpnkit" && !hyperkit) {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      "xhyve: vpnkit networking needs HyperKit; use vmnet or none, or run hyperkit",
    );
  }
  const slotted = [
    ...(options.disks ?? []).map((path) => `virtio-blk,${path}`),
    ...(options.cdroms ?? []).map((path) => `ahci-cd,${path}`),
    ...(hyperkit ? ["virtio-rnd"] : []),
  ];
  if (FIRST_DISK_SLOT + slotted.length > LPC_SLOT) {
    throw new HypervisorError(
      "HV_BAD_OPTION",
      `${program}: ${slotted.length} disks, CD-ROMs and devices do not fit PCI slots ${FIRST_DISK_SLOT}-${LPC_SLOT - 1}; give fewer`,
    );
  }
  return [
    "-A",
    ...(hyperkit ? ["-u"] : []),
    ...(hyperkit && options.pidFile ? ["-F", options.pidFile] : []),
    ...["-m", memoryOption(options.memMiB)],
    ...(options.cpus !== 1 ? ["-c", String(options.cpus)] : []),
    ...["-s", "0:0,hostbridge", "-s", `${LPC_SLOT},lpc`, "-l", "com1,stdio"],
    ...networkArgs(options.networking),
    ...(options.uuid ? ["-U", options.uuid] : []),
    ...slotted.flatMap((device, i) => ["-s", `${FIRST_DISK_SLOT + i},${device}`]),
    ...["-f", `kexec,${options.kernel},${options.initrd ?? ""},${options.cmdline}`],
  ];
}

/** `-m 1G` for whole GiB, as the seed's run.sh wrote it; `-m 1536M` otherwise. */
function memoryOption(memMiB: number): string {
  return memMiB % 1024 === 0 ? `${memMiB / 1024}G` : `${memMiB}M`;
}

function networkArgs(networking: XhyveNetworking): string[] {
  switch (networking.mode) {
    case "vmnet":
      return ["-s", "2:0,virtio-net"];
    case "vpnkit":
      return ["-s", `2:0,virtio-vpnkit,path=${networking.socket}`];
    case "none":
      return [];
  }
}
