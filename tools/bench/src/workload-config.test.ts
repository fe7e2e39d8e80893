import { loadConfig } from "@ocikit/spec";
import { describe, expect, it } from "vitest";
import type { WorkloadRole } from "./build-workload.js";
import { bundlePath, generateBuildYaml, WORKLOAD_CONTAINERS } from "./workload-config.js";

const refs: Record<WorkloadRole, string> = {
  kernel: "oci:/cache/layout:bench/kernel:6.1",
  init: "oci:/cache/layout:bench/init:1",
  sshd: "oci:/cache/layout:bench/sshd:1",
  busybox: "oci:/cache/layout:bench/busybox:1",
};

describe("build benchmark configuration", () => {
  it("writes a valid LinuxKit configuration with oci: references", () => {
    const { config } = loadConfig([{ path: "bench.yml", text: generateBuildYaml(refs, { motd: "hi\n" }) }]);
    expect(config.kernel?.image).toBe(refs.kernel);
    expect(config.init).toEqual([refs.init]);
    expect(config.onboot.map((c) => c.name)).toEqual(["sysctl", "format"]);
    expect(config.services.map((c) => [c.name, c.image])).toEqual([
      ["getty", refs.busybox],
      ["rngd", refs.busybox],
      ["dhcpcd", refs.busybox],
      ["sshd", refs.sshd],
    ]);
    expect(config.files.map((f) => [f.path, f.mode])).toEqual([
      ["etc/motd", "0644"],
      ["etc/hostname", "0644"],
      ["root/.ssh/authorized_keys", "0600"],
    ]);
  });

  it("changes only the motd entry when the motd changes", () => {
    const files = (motd: string) =>
      loadConfig([{ path: "bench.yml", text: generateBuildYaml(refs, { motd }) }]).config.files;
    const [a, b] = [files("one\n"), files("two\n")];
    expect(a[0]?.contents).toBe("one\n");
    expect(b[0]?.contents).toBe("two\n");
    expect(a.slice(1)).toEqual(b.slice(1));
  });

  it.each([
    [0, "containers/onboot/000-sysctl"],
    [1, "containers/onboot/001-format"],
    [5, "containers/services/sshd"],
  ])("names container %i's bundle %s, as LinuxKit does", (index, want) => {
    const container = WORKLOAD_CONTAINERS[index];
    const onboot = WORKLOAD_CONTAINERS.slice(0, index).filter((c) => c.section === "onboot").length;
    expect(container && bundlePath(container, onboot)).toBe(want);
  });
});
