/**
 * Plan a run as `ocikit run` does, without starting qemu: find what to boot at a path, prepare the
 * state directory, keep the MAC address, create a disk, write the `--data` ISO, check the published
 * ports, and print qemu's command line. Run from the repository root with:
 *   node --conditions=source --import tsx packages/hypervisor/examples/plan-run.ts out/minimal
 */
import { randomUUID } from "node:crypto";
import {
  checkPortsFree,
  findBootTarget,
  findUefiFirmware,
  loadOrCreateMac,
  parseDiskSpec,
  parseMemory,
  parseNetworking,
  parsePublish,
  prepareStateDir,
  type QemuPlan,
  qemuArgv,
  resolveDisks,
  writeMetadataIso,
} from "@ocikit/hypervisor";

/** The flags of `ocikit run` this example takes, as strings the way a user types them. */
export interface PlanRunFlags {
  readonly mem?: string;
  readonly disks?: readonly string[];
  readonly publish?: readonly string[];
  readonly networking?: string;
  readonly data?: string;
  readonly uefi?: boolean;
}

/** Returns qemu's program and arguments for booting `path`. */
export async function planRun(path: string, flags: PlanRunFlags = {}): Promise<string[]> {
  const target = await findBootTarget(path, { uefi: flags.uefi ?? false });
  const state = await prepareStateDir(`${target.prefix}-state`);
  const publish = (flags.publish ?? []).map(parsePublish);
  await checkPortsFree(publish);
  const cdroms: string[] = [];
  if (flags.data !== undefined) {
    await writeMetadataIso(new TextEncoder().encode(flags.data), state.dataIso);
    cdroms.push(state.dataIso);
  }
  const plan: QemuPlan = {
    arch: "x86_64",
    qemu: "qemu-system-x86_64",
    accel: "tcg", // `ocikit run` asks chooseAccelerator
    cpus: 1,
    memMiB: parseMemory(flags.mem ?? "1024"),
    uuid: randomUUID(),
    target,
    disks: await resolveDisks((flags.disks ?? []).map(parseDiskSpec), state.dir),
    cdroms,
    ...(target.uefi
      ? { firmware: await findUefiFirmware({ arch: "x86_64", varsCopyPath: state.efiVars }) }
      : {}),
    networking: parseNetworking(flags.networking ?? "user"),
    publish,
    mac: await loadOrCreateMac(state.dir),
    pidFile: state.pidFile,
    qmpSocket: state.qmpSocket,
    gui: false,
    usb: false,
    devices: [],
    extraArgs: [],
  };
  return [plan.qemu, ...qemuArgv(plan)];
}

if (process.argv[1]?.endsWith("plan-run.ts")) {
  planRun(process.argv[2] ?? "out/minimal", {
    disks: ["size=1G"],
    publish: ["2222:22"],
    data: '{"hostname":"vm1"}',
  })
    .then((argv) =>
      process.stdout.write(`${argv.map((a) => (/[\s"]/.test(a) ? JSON.stringify(a) : a)).join(" ")}\n`),
    )
    .catch((error: Error) => {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
    });
}
