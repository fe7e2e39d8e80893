/**
 * @ocikit/hypervisor: start and stop virtual machines from build artifacts.
 *
 * - Planning a run: what to boot (`findBootTarget`), the flags' values (`parseDiskSpec`,
 *   `parsePublish`, `parseNetworking`, `parseMemory`, `checkPortsFree`), the state directory and the
 *   files a run needs (`prepareStateDir`, `loadOrCreateMac`, `resolveDisks`, `findUefiFirmware`,
 *   `writeMetadataIso`), qemu's and xhyve's command lines (`qemuArgv`, `xhyveArgv`).
 * - Running qemu: the launcher, its console, QMP, the accelerator choice; `runQemu` composes all of it.
 */
export {
  ACCEL_DEFAULTS,
  type AcceleratorChoice,
  type AccelProbeEvent,
  type AccelProbeKey,
  type ChooseAcceleratorOptions,
  chooseAccelerator,
  type HostFacts,
} from "./accel.js";
export { type FindBootTargetOptions, findBootTarget } from "./boot-target.js";
export { DEFAULT_DISK_FORMAT, type ResolveDisksOptions, resolveDisks } from "./disk.js";
export { type DiskFormat, detectDiskFormat, diskFormatOf } from "./disk-format.js";
export { parseDiskSpec } from "./disk-spec.js";
export { HypervisorError, type HypervisorErrorCode } from "./errors.js";
export { debianPackageOf, findProgram, requireProgram } from "./find-program.js";
export { type FindUefiFirmwareOptions, findUefiFirmware, UEFI_FIRMWARE_CANDIDATES } from "./firmware.js";
export { hostQemuArch } from "./host-arch.js";
export {
  KVM_PROBE_DEFAULTS,
  type KvmProbeKind,
  type KvmProbeOptions,
  type KvmProbeResult,
  PROBE_BOOT_SECTOR,
  probeKvmBoot,
} from "./kvm-probe.js";
export { loadOrCreateMac, MAC_ADDR_FILE, type MacOptions, macFromBytes } from "./mac-address.js";
export { parseMemory } from "./memory-size.js";
export {
  METADATA_FILE_ID,
  METADATA_VOLUME_ID,
  type MetadataIsoOptions,
  metadataIsoBytes,
  writeMetadataIso,
} from "./metadata-iso.js";
export { parseNetworking } from "./networking.js";
export { checkPortsFree } from "./ports-free.js";
export { DEFAULT_PUBLISH_ADDRESS, parsePublish } from "./publish.js";
export { qemuArgv } from "./qemu-argv.js";
export {
  connectQmp,
  QMP_DEFAULTS,
  type QmpClient,
  type QmpConnectOptions,
  type QmpEvent,
  type QmpGreeting,
} from "./qmp.js";
export {
  type QemuRun,
  RUN_QEMU_DEFAULTS,
  type RunQemuOptions,
  runQemu,
} from "./run-qemu.js";
export {
  MAX_SOCKET_PATH_BYTES,
  prepareStateDir,
  type StateDirOptions,
  type StatePaths,
} from "./state-dir.js";
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
export {
  LAUNCH_DEFAULTS,
  type LaunchQemuOptions,
  launchQemu,
  type RunningVm,
  type StopOptions,
  startQemu,
} from "./vm.js";
export {
  CONSOLE_DEFAULTS,
  type ConsoleLine,
  type SubscribeOptions,
  type VmConsole,
  type WaitForOptions,
} from "./vm-console.js";
export { describeVmEnd, type GuestEndSigns, type VmEndFacts } from "./vm-end.js";
export { type XhyveArgvOptions, type XhyveNetworking, xhyveArgv } from "./xhyve-argv.js";
