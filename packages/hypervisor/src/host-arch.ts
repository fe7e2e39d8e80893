/**
 * This machine's architecture in qemu's words (`qemu-system-<arch>`), from Node's.
 */
import { arch as nodeArch } from "node:os";
import { HypervisorError } from "./errors.js";
import type { QemuArch } from "./types.js";

const QEMU_ARCH_OF_NODE: Readonly<Record<string, QemuArch>> = {
  x64: "x86_64",
  arm64: "aarch64",
  s390x: "s390x",
  riscv64: "riscv64",
};

/** qemu's name for a Node architecture (`os.arch()`), or undefined when qemu has no system emulator named for it. */
export function qemuArchOfNode(arch: string): QemuArch | undefined {
  return QEMU_ARCH_OF_NODE[arch];
}

/**
 * This machine's architecture in qemu's words.
 * @throws {HypervisorError} HV_UNSUPPORTED on an architecture qemu has no system emulator named for here
 */
export function hostQemuArch(): QemuArch {
  const arch = qemuArchOfNode(nodeArch());
  if (!arch)
    throw new HypervisorError(
      "HV_UNSUPPORTED",
      `this machine's architecture (${nodeArch()}) has no qemu backend here; give the guest's with --arch`,
    );
  return arch;
}
