/**
 * The system the build benchmark builds (issue 4), as LinuxKit YAML: the kernel and init images,
 * two onboot and three service containers on the small busybox image, sshd, and three `files`
 * entries, with `oci:LAYOUT:NAME` image references into the workload's layout (build-workload.ts).
 * The GNU baseline lays out the same system (gnu-pipeline.ts), from the same description.
 */
import { stringify } from "yaml";
import type { WorkloadRole } from "./build-workload.js";

/** A container of the benchmark's system. */
export interface WorkloadContainer {
  readonly section: "onboot" | "services";
  readonly name: string;
  readonly image: Exclude<WorkloadRole, "kernel" | "init">;
  readonly command?: readonly string[];
}

/** Five containers on the busybox image, and sshd, as a small LinuxKit system has them. */
export const WORKLOAD_CONTAINERS: readonly WorkloadContainer[] = [
  { section: "onboot", name: "sysctl", image: "busybox", command: ["/bin/sh", "-c", "sysctl -a >/dev/null"] },
  { section: "onboot", name: "format", image: "busybox", command: ["/bin/sh", "-c", "true"] },
  { section: "services", name: "getty", image: "busybox", command: ["/sbin/getty", "-L", "115200", "ttyS0"] },
  { section: "services", name: "rngd", image: "busybox", command: ["/bin/sh", "-c", "sleep 3600"] },
  { section: "services", name: "dhcpcd", image: "busybox", command: ["/sbin/udhcpc", "-f", "-i", "eth0"] },
  { section: "services", name: "sshd", image: "sshd" },
];

/** A `files:` entry. */
export interface WorkloadFile {
  readonly path: string;
  readonly contents: string;
  readonly mode: number;
}

/** The three `files` entries; `motd` is the one the "edited" case changes. */
export function workloadFiles(motd: string): WorkloadFile[] {
  return [
    { path: "etc/motd", contents: motd, mode: 0o644 },
    { path: "etc/hostname", contents: "ocikit-bench\n", mode: 0o644 },
    {
      path: "root/.ssh/authorized_keys",
      contents:
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOcikitBenchOcikitBenchOcikitBenchOcikitBench0000 bench@ocikit\n",
      mode: 0o600,
    },
  ];
}

/** The kernel command line of the workload. */
export const WORKLOAD_CMDLINE = "console=ttyS0 console=tty0 page_poison=1";

/** `containers/onboot/000-sysctl` or `containers/services/sshd`, as LinuxKit names bundles. */
export function bundlePath(container: WorkloadContainer, index: number): string {
  return container.section === "services"
    ? `containers/services/${container.name}`
    : `containers/onboot/${String(index).padStart(3, "0")}-${container.name}`;
}

/**
 * The LinuxKit YAML of the workload. `refs` are image references by role (`oci:LAYOUT:NAME`).
 * @example
 * ```ts
 * const yml = generateBuildYaml(workload.refs, { motd: "hello\n" });
 * ```
 */
export function generateBuildYaml(
  refs: Readonly<Record<WorkloadRole, string>>,
  options: { motd: string },
): string {
  const containers = (section: WorkloadContainer["section"]) =>
    WORKLOAD_CONTAINERS.filter((c) => c.section === section).map((c) => ({
      name: c.name,
      image: refs[c.image],
      ...(c.command ? { command: [...c.command] } : {}),
    }));
  return stringify(
    {
      kernel: { image: refs.kernel, cmdline: WORKLOAD_CMDLINE },
      init: [refs.init],
      onboot: containers("onboot"),
      services: containers("services"),
      files: workloadFiles(options.motd).map((f) => ({
        path: f.path,
        contents: f.contents,
        mode: `0${f.mode.toString(8)}`,
      })),
    },
    { lineWidth: 0 },
  );
}
