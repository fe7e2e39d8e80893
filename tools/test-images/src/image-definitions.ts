/**
 * The test images: which role of LinuxKit's each one plays, its name, the Debian packages and
 * repository files (rootfs/ROLE/) it is made of, its container config and its
 * `org.mobyproject.config` label (LinuxKit packages declare these defaults in build.yml; §2.1 of
 * linuxkit-reference.md). Labels follow LinuxKit's packages of the same role where there is one.
 * Every image but kernel and runc starts with one shared layer: static busybox and its applets.
 */
import type { ContainerConfig } from "@ocikit/test-registry";

/** The roles, in the order the images are built and listed. */
export const TEST_IMAGE_ROLES = [
  "kernel",
  "init",
  "runc",
  "hello",
  "poweroff",
  "sysctl",
  "dhcpcd",
  "sshd",
  "bootloader",
] as const;

/** One of {@link TEST_IMAGE_ROLES}. */
export type TestImageRole = (typeof TEST_IMAGE_ROLES)[number];

/** Each role's name in the layout (`org.opencontainers.image.ref.name`) and in a registry. */
export const TEST_IMAGE_NAMES: Readonly<Record<TestImageRole, string>> = {
  kernel: "ocikit-test/kernel:6.1",
  init: "ocikit-test/init:1",
  runc: "ocikit-test/runc:1",
  hello: "ocikit-test/hello:1",
  poweroff: "ocikit-test/poweroff:1",
  sysctl: "ocikit-test/sysctl:1",
  dhcpcd: "ocikit-test/dhcpcd:1",
  sshd: "ocikit-test/sshd:1",
  bootloader: "ocikit-test/bootloader:1",
};

/** The label LinuxKit reads image defaults from. */
export const MOBY_CONFIG_LABEL = "org.mobyproject.config";

/** How one image other than the kernel is made. */
export interface ImageDefinition {
  /** Whether the shared busybox layer comes first. */
  readonly busybox: boolean;
  /** Debian packages unpacked to take `files` from. */
  readonly packages: readonly string[];
  /** Paths copied from those packages (symlinks with their targets). */
  readonly files: readonly string[];
  /** Those of `files` whose interpreter and shared libraries are copied too. */
  readonly binaries: readonly string[];
  /** The repository directory `rootfs/NAME/` copied in, if any. */
  readonly data?: string;
  /** Directories to create, with their modes. */
  readonly dirs?: Readonly<Record<string, number>>;
  /** Symlinks to create: path → target. */
  readonly symlinks?: Readonly<Record<string, string>>;
  /** Modes that differ from the data files' defaults (0755 executable, 0644 otherwise). */
  readonly modes?: Readonly<Record<string, number>>;
  readonly config?: ContainerConfig;
  /** The `org.mobyproject.config` label, as an object. */
  readonly label?: Readonly<Record<string, unknown>>;
}

/** The Debian package of the shared busybox layer. */
export const BUSYBOX_PACKAGE = "busybox-static";

/**
 * Directories of the shared busybox layer besides busybox's own, as a distribution's base image has
 * them: runc needs mount points for /dev, /proc and /sys in a read-only container.
 */
export const BUSYBOX_LAYER_DIRS: Readonly<Record<string, number>> = {
  dev: 0o755,
  etc: 0o755,
  proc: 0o755,
  root: 0o700,
  run: 0o755,
  sys: 0o755,
  tmp: 0o1777,
  var: 0o755,
};

/** The metapackage that names the kernel package. */
export const KERNEL_METAPACKAGE = "linux-image-amd64";

const PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// What openssh-server 9.2 and ssh-keygen link against on Debian 12 (ldd /usr/sbin/sshd).
export const SSHD_LIBRARY_PACKAGES = [
  "libc6",
  "libcrypt1",
  "libwrap0",
  "libaudit1",
  "libpam0g",
  "libsystemd0",
  "libselinux1",
  "libgssapi-krb5-2",
  "libkrb5-3",
  "libcom-err2",
  "libssl3",
  "zlib1g",
  "libnsl2",
  "libcap-ng0",
  "libcap2",
  "libgcrypt20",
  "liblzma5",
  "libzstd1",
  "liblz4-1",
  "libpcre2-8-0",
  "libk5crypto3",
  "libkrb5support0",
  "libkeyutils1",
  "libtirpc3",
  "libgpg-error0",
];

/** Every image but the kernel. */
export const IMAGE_DEFINITIONS: Readonly<Record<Exclude<TestImageRole, "kernel">, ImageDefinition>> = {
  // LinuxKit's init image: /init, busybox, the rc scripts; /mnt for stage 1 (the busybox layer has
  // the other mount points), and the resolv.conf symlink the build's init filter writes anyway (§3.4).
  init: {
    busybox: true,
    packages: [],
    files: [],
    binaries: [],
    data: "init",
    dirs: { mnt: 0o755 },
    symlinks: { "etc/resolv.conf": "/run/resolvconf/resolv.conf" },
  },
  // LinuxKit's runc image: runc at /usr/bin/runc, here with Debian's shared libraries.
  runc: {
    busybox: false,
    packages: ["runc", "libseccomp2", "libc6"],
    files: ["usr/sbin/runc", "usr/bin/runc"],
    binaries: ["usr/sbin/runc"],
  },
  hello: {
    busybox: true,
    packages: [],
    files: [],
    binaries: [],
    data: "hello",
    config: {
      Cmd: ["/bin/sh", "/hello.sh", "hello from onboot"],
      Env: [PATH, "HELLO_LIST=/ /etc"],
      WorkingDir: "/",
    },
    // Two capabilities, so that a test sees label defaults reach config.json: CapEff 0…03.
    label: { capabilities: ["CAP_CHOWN", "CAP_DAC_OVERRIDE"] },
  },
  // LinuxKit's test/pkg/poweroff, label and all.
  poweroff: {
    busybox: true,
    packages: [],
    files: [],
    binaries: [],
    data: "poweroff",
    config: { Entrypoint: ["/bin/sh", "/poweroff.sh"], Cmd: ["10"], Env: [PATH], WorkingDir: "/" },
    label: { pid: "host", readonly: true, capabilities: ["CAP_SYS_BOOT"] },
  },
  // LinuxKit's pkg/sysctl.
  sysctl: {
    busybox: true,
    packages: [],
    files: [],
    binaries: [],
    data: "sysctl",
    config: { Cmd: ["/bin/sh", "/sysctl.sh"], Env: [PATH], WorkingDir: "/" },
    label: { pid: "host", readonly: true, capabilities: ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"] },
  },
  // LinuxKit's pkg/dhcpcd, with busybox udhcpc: resolv.conf lands in the host's /run/resolvconf.
  dhcpcd: {
    busybox: true,
    packages: [],
    files: [],
    binaries: [],
    data: "dhcpcd",
    config: { Cmd: ["/bin/sh", "/dhcpcd.sh"], Env: [PATH], WorkingDir: "/" },
    label: {
      net: "host",
      binds: ["/run/resolvconf:/etc"],
      capabilities: ["CAP_NET_ADMIN", "CAP_NET_BIND_SERVICE", "CAP_NET_RAW", "CAP_SYS_ADMIN"],
      runtime: { mkdir: ["/run/resolvconf"] },
    },
  },
  // LinuxKit's pkg/sshd, less the binds of containerd's files, which these images don't have.
  sshd: {
    busybox: true,
    packages: ["openssh-server", "openssh-client", ...SSHD_LIBRARY_PACKAGES],
    files: ["usr/sbin/sshd", "usr/bin/ssh-keygen"],
    binaries: ["usr/sbin/sshd", "usr/bin/ssh-keygen"],
    data: "sshd",
    dirs: { "etc/ssh": 0o755 },
    modes: { "etc/shadow": 0o640 },
    config: { Cmd: ["/bin/sh", "/sshd.sh"], Env: [PATH], WorkingDir: "/" },
    label: {
      pid: "host",
      binds: [
        "/root/.ssh:/root/.ssh",
        "/etc/resolv.conf:/etc/resolv.conf",
        "/run:/run",
        "/tmp:/tmp",
        "/etc:/hostroot/etc",
        "/containers:/containers",
        "/var/log:/var/log",
        "/dev:/dev",
        "/sys:/sys",
      ],
      capabilities: ["all"],
    },
  },
  // The bootloader files the ISO and EFI outputs need (issue 6's --bootloader-image), at the paths
  // Debian's packages put them: isolinux and its MBR template, ldlinux.c32, systemd's EFI stub.
  bootloader: {
    busybox: false,
    packages: ["isolinux", "syslinux-common", "systemd-boot-efi"],
    files: [
      "usr/lib/ISOLINUX/isolinux.bin",
      "usr/lib/ISOLINUX/isohdpfx.bin",
      "usr/lib/syslinux/modules/bios/ldlinux.c32",
      "usr/lib/systemd/boot/efi/linuxx64.efi.stub",
    ],
    binaries: [],
  },
};
