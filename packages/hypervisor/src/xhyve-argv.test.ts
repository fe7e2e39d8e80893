import { describe, expect, it } from "vitest";
import { type XhyveArgvOptions, xhyveArgv } from "./xhyve-argv.js";

const SEED: XhyveArgvOptions = {
  kernel: "docker-sshd-kernel",
  initrd: "docker-sshd-initrd.img",
  cmdline: "console=ttyS0 console=tty0 page_poison=1",
  memMiB: 1024,
  cpus: 1,
  networking: { mode: "vmnet" },
};

describe("xhyveArgv", () => {
  it("reproduces the seed's run.sh line exactly", () => {
    // /work/shared/examples/README.md step 2 (the shell quotes hold the command line together).
    expect(xhyveArgv(SEED)).toEqual([
      "-A",
      ...["-m", "1G"],
      ...["-s", "0:0,hostbridge", "-s", "31,lpc", "-l", "com1,stdio", "-s", "2:0,virtio-net"],
      ...["-f", "kexec,docker-sshd-kernel,docker-sshd-initrd.img,console=ttyS0 console=tty0 page_poison=1"],
    ]);
  });

  it.each([
    [1024, "1G"],
    [4096, "4G"],
    [1536, "1536M"],
    [512, "512M"],
  ])("writes %d MiB as -m %s", (memMiB, want) => {
    const argv = xhyveArgv({ ...SEED, memMiB });
    expect(argv[argv.indexOf("-m") + 1]).toBe(want);
  });

  it("adds -c, -U, disks from slot 4 and CD-ROMs after them", () => {
    const argv = xhyveArgv({
      ...SEED,
      cpus: 2,
      uuid: "2a0cbd9e-5a3b-4c8e-9f55-0d0f5cf3c0a1",
      disks: ["/s/disk.img", "/s/disk1.img"],
      cdroms: ["/s/data.iso"],
    });
    expect(argv).toEqual([
      ...["-A", "-m", "1G", "-c", "2"],
      ...["-s", "0:0,hostbridge", "-s", "31,lpc", "-l", "com1,stdio", "-s", "2:0,virtio-net"],
      ...["-U", "2a0cbd9e-5a3b-4c8e-9f55-0d0f5cf3c0a1"],
      ...["-s", "4,virtio-blk,/s/disk.img", "-s", "5,virtio-blk,/s/disk1.img", "-s", "6,ahci-cd,/s/data.iso"],
      ...["-f", "kexec,docker-sshd-kernel,docker-sshd-initrd.img,console=ttyS0 console=tty0 page_poison=1"],
    ]);
  });

  it("adds HyperKit's -u, -F, virtio-rnd and vpnkit networking", () => {
    const argv = xhyveArgv({
      ...SEED,
      hypervisor: "hyperkit",
      pidFile: "/s/hyperkit.pid",
      networking: { mode: "vpnkit", socket: "/Users/me/Library/Containers/com.docker.docker/Data/s50" },
      disks: ["/s/disk.img"],
    });
    expect(argv).toEqual([
      ...["-A", "-u", "-F", "/s/hyperkit.pid", "-m", "1G"],
      ...["-s", "0:0,hostbridge", "-s", "31,lpc", "-l", "com1,stdio"],
      ...["-s", "2:0,virtio-vpnkit,path=/Users/me/Library/Containers/com.docker.docker/Data/s50"],
      ...["-s", "4,virtio-blk,/s/disk.img", "-s", "5,virtio-rnd"],
      ...["-f", "kexec,docker-sshd-kernel,docker-sshd-initrd.img,console=ttyS0 console=tty0 page_poison=1"],
    ]);
  });

  it("leaves the NIC out with no networking, and the initrd field empty without one", () => {
    const argv = xhyveArgv({
      ...SEED,
      networking: { mode: "none" },
      initrd: undefined,
      cmdline: "console=ttyS0",
    });
    expect(argv.join(" ")).not.toContain("virtio-net");
    expect(argv.at(-1)).toBe("kexec,docker-sshd-kernel,,console=ttyS0");
  });

  it.each([
    ["a path with a comma", { ...SEED, disks: ["/s/a,b.img"] }],
    ["vpnkit with xhyve", { ...SEED, networking: { mode: "vpnkit", socket: "/s/vpnkit.sock" } }],
    ["more devices than slots", { ...SEED, disks: Array.from({ length: 30 }, (_, i) => `/s/d${i}.img`) }],
  ] as const)("refuses %s (HV_BAD_OPTION)", (_name, options) => {
    expect(() => xhyveArgv(options)).toThrow(expect.objectContaining({ code: "HV_BAD_OPTION" }));
  });
});
