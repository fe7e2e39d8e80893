/**
 * @ocikit/hypervisor: start and stop virtual machines from build artifacts.
 */
export { HypervisorError, type HypervisorErrorCode } from "./errors.js";
export type {
  Accelerator,
  BootTarget,
  Disk,
  DiskSpec,
  Firmware,
  Networking,
  Publish,
  QemuArch,
  QemuPlan,
  VmEnd,
  VmEndReason,
} from "./types.js";
