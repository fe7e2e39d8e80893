import { InternalError } from "@ocikit/errors";
import { describe, expect, it } from "vitest";
import { HypervisorError } from "./errors.js";
import { qemuArgv } from "./qemu-argv.js";
import type { BootTarget, QemuPlan } from "./types.js";

const KERNEL: BootTarget = {
  kind: "kernel",
  prefix: "/out/minimal",
  kernel: "/out/minimal-kernel",
  initrd: "/out/minimal-initrd.img",
  cmdline: "console=ttyS0 page_poison=1",
  uefi: false,
};

function plan(overrides: Partial<QemuPlan> = {}): QemuPlan {
  return {
    arch: "x86_64",
    qemu: "qemu-system-x86_64",
    accel: "tcg",
    cpus: 2,
    memMiB: 1024,
    uuid: "2a0cbd9e-5a3b-4c8e-9f55-0d0f5cf3c0a1",
    target: KERNEL,
    disks: [],
    cdroms: [],
    networking: { mode: "user" },
    publish: [],
    mac: "02:42:ac:11:00:02",
    pidFile: "/out/minimal-state/qemu.pid",
    qmpSocket: "/out/minimal-state/qmp.sock",
    gui: false,
    usb: false,
    devices: [],
    extraArgs: [],
    ...overrides,
  };
}

/** Every value that follows `flag` in `argv`. */
function valuesOf(argv: readonly string[], flag: string): string[] {
  return argv.flatMap((arg, i) => (arg === flag ? [argv[i + 1] ?? "<missing>"] : []));
}

describe("qemuArgv", () => {
  it("builds LinuxKit's kernel+initrd command line, in its order", () => {
    expect(qemuArgv(plan())).toEqual([
      ...["-smp", "2", "-m", "1024", "-uuid", "2a0cbd9e-5a3b-4c8e-9f55-0d0f5cf3c0a1"],
      ...["-pidfile", "/out/minimal-state/qemu.pid"],
      ...["-machine", "q35,accel=tcg"],
      ...["-object", "rng-random,id=rng0,filename=/dev/urandom", "-device", "virtio-rng-pci,rng=rng0"],
      ...["-kernel", "/out/minimal-kernel", "-initrd", "/out/minimal-initrd.img"],
      ...["-append", "console=ttyS0 page_poison=1"],
      ...["-device", "virtio-net-pci,netdev=t0,mac=02:42:ac:11:00:02", "-netdev", "user,id=t0"],
      ...["-display", "none", "-chardev", "stdio,id=console,signal=off", "-serial", "chardev:console"],
      ...["-monitor", "none"],
      ...["-qmp", "unix:/out/minimal-state/qmp.sock,server=on,wait=off"],
    ]);
  });

  it.each([
    ["x86_64", "kvm", "q35,accel=kvm", ["host"]],
    ["x86_64", "tcg", "q35,accel=tcg", []],
    ["x86_64", "hvf", "q35,accel=hvf", []],
    ["x86_64", undefined, "q35", []],
    ["aarch64", "kvm", "virt,gic-version=host,accel=kvm", ["host"]],
    ["aarch64", "hvf", "virt,highmem=off,accel=hvf", ["host"]],
    ["aarch64", "tcg", "virt,accel=tcg", ["cortex-a57"]],
    ["aarch64", undefined, "virt", ["cortex-a57"]],
    ["s390x", "kvm", "s390-ccw-virtio,accel=kvm", []],
    ["s390x", undefined, "s390-ccw-virtio", []],
    ["riscv64", "tcg", "virt,accel=tcg", []],
  ] as const)("%s with accel %s: -machine %s, -cpu %j", (arch, accel, machine, cpu) => {
    const argv = qemuArgv(plan({ arch, ...(accel ? { accel } : { accel: undefined }) }));
    expect(valuesOf(argv, "-machine")).toEqual([machine]);
    expect(valuesOf(argv, "-cpu")).toEqual(cpu);
    // -cpu comes before -machine, both after the pid file (LinuxKit's order).
    const cpuAt = argv.indexOf("-cpu");
    if (cpuAt >= 0) expect(cpuAt).toBeLessThan(argv.indexOf("-machine"));
    expect(argv.indexOf("-pidfile")).toBeLessThan(argv.indexOf("-machine"));
  });

  it("uses channel-I/O virtio devices on s390x", () => {
    const argv = qemuArgv(plan({ arch: "s390x" }));
    expect(valuesOf(argv, "-device")).toEqual([
      "virtio-rng-ccw,rng=rng0",
      "virtio-net-ccw,netdev=t0,mac=02:42:ac:11:00:02",
    ]);
  });

  it("boots a squashfs root: the image is the first disk and root= is appended", () => {
    const target: BootTarget = {
      kind: "squashfs",
      prefix: "/out/sq",
      kernel: "/out/sq-kernel",
      squashfs: "/out/sq-squashfs.img",
      cmdline: "console=ttyS0",
      uefi: false,
    };
    const argv = qemuArgv(plan({ target, disks: [{ path: "/state/disk.img", format: "qcow2" }] }));
    expect(valuesOf(argv, "-drive")).toEqual([
      "file=/out/sq-squashfs.img,format=raw,index=0,media=disk",
      "file=/state/disk.img,format=qcow2,index=1,media=disk",
    ]);
    expect(valuesOf(argv, "-kernel")).toEqual(["/out/sq-kernel"]);
    expect(valuesOf(argv, "-initrd")).toEqual([]);
    expect(valuesOf(argv, "-append")).toEqual(["console=ttyS0 root=/dev/sda"]);
    expect(valuesOf(qemuArgv(plan({ target, arch: "aarch64" })), "-append")).toEqual([
      "console=ttyS0 root=/dev/vda",
    ]);
  });

  it("passes no -append for an empty command line and no -initrd without an initrd", () => {
    const target: BootTarget = {
      kind: "kernel",
      prefix: "/k",
      kernel: "/k-kernel",
      cmdline: "",
      uefi: false,
    };
    const argv = qemuArgv(plan({ target }));
    expect(argv).not.toContain("-append");
    expect(argv).not.toContain("-initrd");
  });

  it("boots an ISO from hdc with -boot d; disks skip index 2; further ISOs follow the last disk", () => {
    const target: BootTarget = { kind: "iso", prefix: "/out/x", iso: "/out/x.iso", uefi: false };
    const disks = [
      { path: "/s/disk.img", format: "qcow2" },
      { path: "/s/disk1.img" },
      { path: "/s/disk2.img", format: "raw" },
    ];
    const argv = qemuArgv(plan({ target, disks, cdroms: ["/s/data.iso", "/s/more.iso"] }));
    expect(valuesOf(argv, "-drive")).toEqual([
      "file=/s/disk.img,format=qcow2,index=0,media=disk",
      "file=/s/disk1.img,index=1,media=disk",
      "file=/s/disk2.img,format=raw,index=3,media=disk",
      "file=/s/data.iso,index=4,media=cdrom",
      "file=/s/more.iso,index=5,media=cdrom",
    ]);
    expect(valuesOf(argv, "-boot")).toEqual(["d"]);
    expect(valuesOf(argv, "-cdrom")).toEqual(["/out/x.iso"]);
    expect(argv.indexOf("-boot")).toBeLessThan(argv.indexOf("-cdrom"));
    expect(argv).not.toContain("-kernel");
  });

  it("puts the data ISO on hdc when not booting an ISO, and keeps a third disk off index 2", () => {
    const disks = [{ path: "/s/a.img" }, { path: "/s/b.img" }, { path: "/s/c.img" }];
    const argv = qemuArgv(plan({ disks, cdroms: ["/s/data.iso"] }));
    expect(valuesOf(argv, "-cdrom")).toEqual(["/s/data.iso"]);
    expect(valuesOf(argv, "-drive")).toEqual([
      "file=/s/a.img,index=0,media=disk",
      "file=/s/b.img,index=1,media=disk",
      "file=/s/c.img,index=3,media=disk",
    ]);
    expect(argv).not.toContain("-boot");
  });

  it("uses index 2 for a third disk when there is no CD-ROM", () => {
    const disks = [{ path: "/s/a.img" }, { path: "/s/b.img" }, { path: "/s/c.img" }];
    expect(valuesOf(qemuArgv(plan({ disks })), "-drive")).toContain("file=/s/c.img,index=2,media=disk");
  });

  it("puts CD-ROMs on virtio-scsi on the virt machines", () => {
    const target: BootTarget = { kind: "iso", prefix: "/o/x", iso: "/o/x.iso", uefi: false };
    const argv = qemuArgv(plan({ arch: "aarch64", target, cdroms: ["/s/data.iso"] }));
    expect(argv).not.toContain("-cdrom");
    expect(valuesOf(argv, "-drive")).toEqual([
      "file=/o/x.iso,format=raw,if=none,id=cd0,media=cdrom,readonly=on",
      "file=/s/data.iso,format=raw,if=none,id=cd1,media=cdrom,readonly=on",
    ]);
    expect(valuesOf(argv, "-device")).toEqual(
      expect.arrayContaining([
        "virtio-scsi-pci,id=scsi0",
        "scsi-cd,bus=scsi0.0,drive=cd0",
        "scsi-cd,bus=scsi0.0,drive=cd1",
      ]),
    );
    expect(valuesOf(qemuArgv(plan({ arch: "s390x", target })), "-device")).toContain(
      "virtio-scsi-ccw,id=scsi0",
    );
  });

  it("boots a disk image as the first disk, with its format when known", () => {
    const target: BootTarget = {
      kind: "disk",
      prefix: "/o/d",
      disk: "/o/d.qcow2",
      format: "qcow2",
      uefi: false,
    };
    const argv = qemuArgv(plan({ target, disks: [{ path: "/s/disk.img" }] }));
    expect(valuesOf(argv, "-drive")).toEqual([
      "file=/o/d.qcow2,format=qcow2,index=0,media=disk",
      "file=/s/disk.img,index=1,media=disk",
    ]);
  });

  it.each([
    [
      "combined",
      { kind: "combined", path: "/usr/share/ovmf/OVMF.fd" },
      ["if=pflash,format=raw,readonly=on,file=/usr/share/ovmf/OVMF.fd"],
    ],
    [
      "split",
      { kind: "split", code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/s/efi-vars.fd" },
      [
        "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "if=pflash,format=raw,unit=1,file=/s/efi-vars.fd",
      ],
    ],
  ] as const)("puts %s UEFI firmware on pflash", (_name, firmware, drives) => {
    const target: BootTarget = { kind: "iso", prefix: "/o/x", iso: "/o/x-efi.iso", uefi: true };
    const argv = qemuArgv(plan({ target, firmware }));
    expect(valuesOf(argv, "-drive")).toEqual(drives);
    expect(argv.indexOf("-cdrom")).toBeLessThan(argv.indexOf("-drive"));
  });

  it("refuses a UEFI target without firmware as a bug", () => {
    const target: BootTarget = { kind: "iso", prefix: "/o/x", iso: "/o/x.iso", uefi: true };
    expect(() => qemuArgv(plan({ target }))).toThrow(InternalError);
  });

  it.each([
    [{ mode: "tap", iface: "tap0" }, ["-netdev", "tap,id=t0,ifname=tap0,script=no,downscript=no"]],
    [{ mode: "bridge", bridge: "br0" }, ["-netdev", "bridge,id=t0,br=br0"]],
    [{ mode: "none" }, ["-net", "none"]],
  ] as const)("networking %j", (networking, want) => {
    const argv = qemuArgv(plan({ networking }));
    const flag = want[0];
    expect(valuesOf(argv, flag)).toEqual([want[1]]);
    if (networking.mode === "none") expect(argv.join(" ")).not.toContain("virtio-net");
    else expect(valuesOf(argv, "-device")).toContain("virtio-net-pci,netdev=t0,mac=02:42:ac:11:00:02");
  });

  it("forwards published ports on each one's host address", () => {
    const argv = qemuArgv(
      plan({
        publish: [
          { hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22, protocol: "tcp" },
          { hostAddress: "0.0.0.0", hostPort: 5353, guestPort: 53, protocol: "udp" },
        ],
      }),
    );
    expect(valuesOf(argv, "-netdev")).toEqual([
      "user,id=t0,hostfwd=tcp:127.0.0.1:2222-:22,hostfwd=udp:0.0.0.0:5353-:53",
    ]);
  });

  it("refuses published ports without user networking (HV_BAD_OPTION)", () => {
    const publish = [{ hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22, protocol: "tcp" as const }];
    expect(() => qemuArgv(plan({ networking: { mode: "tap", iface: "tap0" }, publish }))).toThrow(
      expect.objectContaining({ code: "HV_BAD_OPTION" }),
    );
    expect(() => qemuArgv(plan({ networking: { mode: "none" }, publish }))).toThrow(HypervisorError);
  });

  it("leaves the console to qemu's window with gui", () => {
    const argv = qemuArgv(plan({ gui: true }));
    for (const flag of ["-display", "-serial", "-monitor", "-chardev", "-nographic"]) {
      expect(argv).not.toContain(flag);
    }
  });

  it("adds -usb, each device, then the extra arguments last", () => {
    const argv = qemuArgv(
      plan({ usb: true, devices: ["usb-host,vendorid=0x1234", "usb-kbd"], extraArgs: ["-no-reboot", "-S"] }),
    );
    expect(argv.slice(-7)).toEqual([
      "-usb",
      "-device",
      "usb-host,vendorid=0x1234",
      "-device",
      "usb-kbd",
      "-no-reboot",
      "-S",
    ]);
  });

  it("doubles commas in paths inside option strings, not in plain path arguments", () => {
    const argv = qemuArgv(
      plan({
        disks: [{ path: "/a,b/disk.img" }],
        qmpSocket: "/a,b/qmp.sock",
        pidFile: "/a,b/qemu.pid",
        cdroms: ["/a,b/data.iso"],
      }),
    );
    expect(valuesOf(argv, "-drive")).toEqual(["file=/a,,b/disk.img,index=0,media=disk"]);
    expect(valuesOf(argv, "-qmp")).toEqual(["unix:/a,,b/qmp.sock,server=on,wait=off"]);
    expect(valuesOf(argv, "-pidfile")).toEqual(["/a,b/qemu.pid"]);
    expect(valuesOf(argv, "-cdrom")).toEqual(["/a,b/data.iso"]);
  });
});
