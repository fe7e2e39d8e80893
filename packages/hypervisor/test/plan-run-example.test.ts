import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planRun } from "../examples/plan-run.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "ocikit-plan-run-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A port that was free a moment ago. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("README example: planRun", () => {
  it("plans a kernel+initrd boot with a created disk, a data ISO and a published port", async () => {
    const prefix = join(dir, "minimal");
    writeFileSync(`${prefix}-kernel`, "kernel");
    writeFileSync(`${prefix}-initrd.img`, "initrd");
    writeFileSync(`${prefix}-cmdline`, "console=ttyS0\n");
    const port = await freePort();
    const argv = await planRun(prefix, {
      mem: "512",
      disks: ["size=64M"],
      publish: [`${port}:22`],
      data: '{"hostname":"vm1"}',
    });
    const state = `${prefix}-state`;
    const mac = readFileSync(join(state, "mac-addr"), "utf8");
    const line = argv.join(" ");
    expect(argv[0]).toBe("qemu-system-x86_64");
    expect(line).toContain(`-m 512 `);
    expect(line).toContain(`-pidfile ${state}/qemu.pid`);
    expect(line).toContain(`-drive file=${state}/disk.img,format=qcow2,index=0,media=disk`);
    expect(line).toContain(`-cdrom ${state}/data.iso`);
    expect(line).toContain(`-kernel ${prefix}-kernel -initrd ${prefix}-initrd.img -append console=ttyS0 `);
    expect(line).toContain(
      `-device virtio-net-pci,netdev=t0,mac=${mac} -netdev user,id=t0,hostfwd=tcp:127.0.0.1:${port}-:22 `,
    );
    expect(line).toContain(`-qmp unix:${state}/qmp.sock,server=on,wait=off`);
    expect(
      execFileSync("isoinfo", ["-x", "/CONFIG.;1", "-i", join(state, "data.iso")], { encoding: "utf8" }),
    ).toBe('{"hostname":"vm1"}');
    // A second run reuses the MAC address and the disk.
    const again = await planRun(prefix, { disks: ["size=64M"] });
    expect(again.join(" ")).toContain(`mac=${mac}`);
    expect(existsSync(join(state, "disk.img"))).toBe(true);
  });
});
