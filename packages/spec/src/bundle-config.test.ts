import { describe, expect, it } from "vitest";
import { bundleRuntime, generateBundleConfigs } from "./bundle-config.js";
import { ALL_CAPABILITIES } from "./capabilities.js";
import { SpecError } from "./errors.js";
import { allocateIds } from "./id-map.js";

const ids = allocateIds({ onboot: [{ name: "first" }], services: [{ name: "svc" }] });
const base = { name: "svc", image: "docker.io/x/svc:1" };

describe("generateBundleConfigs (§3.6)", () => {
  it("matches the reference's verified example", () => {
    const { config } = generateBundleConfigs(base, {
      ids,
      imageConfig: {
        Cmd: ["/bin/sh"],
        Labels: { "org.mobyproject.config": '{"binds":["/var:/var"],"capabilities":["CAP_SYS_ADMIN"]}' },
      },
    });
    expect(config.process.args).toEqual(["/bin/sh"]);
    expect(config.process.cwd).toBe("/");
    expect(config.process.capabilities).toEqual({
      bounding: ["CAP_SYS_ADMIN"],
      effective: ["CAP_SYS_ADMIN"],
      inheritable: ["CAP_SYS_ADMIN"],
      permitted: ["CAP_SYS_ADMIN"],
    });
    expect(config.mounts.map((m) => m.destination)).toEqual([
      "/dev",
      "/dev/pts",
      "/proc",
      "/sys",
      "/sys/fs/cgroup",
      "/var",
    ]);
    expect(config.mounts.at(-1)).toEqual({
      destination: "/var",
      type: "bind",
      source: "/var",
      options: ["rw", "rbind", "rshared"],
    });
    expect(config.linux.resources).toEqual({});
    expect(config.linux.namespaces).toEqual([{ type: "pid" }, { type: "mount" }]);
  });

  it("takes command, env and cwd from the YAML, then the label, then the image", () => {
    const image = { Entrypoint: ["/e"], Cmd: ["c"], Env: ["A=1"], WorkingDir: "/w" };
    expect(generateBundleConfigs(base, { ids, imageConfig: image }).config.process).toMatchObject({
      args: ["/e", "c"],
      env: ["A=1"],
      cwd: "/w",
    });
    const labelled = {
      ...image,
      Labels: { "org.mobyproject.config": '{"command":["/l"],"env":[],"cwd":"/l"}' },
    };
    const fromLabel = generateBundleConfigs(base, { ids, imageConfig: labelled }).config.process;
    expect(fromLabel).toMatchObject({ args: ["/l"], cwd: "/l" });
    expect(fromLabel.env).toBeUndefined();
    const fromYaml = generateBundleConfigs(
      { ...base, command: ["/y"], cwd: "/y" },
      { ids, imageConfig: labelled },
    ).config.process;
    expect(fromYaml).toMatchObject({ args: ["/y"], cwd: "/y" });
  });

  it("expands all to the 41 capabilities in kernel order, with a sorted bounding set", () => {
    const caps = generateBundleConfigs({ ...base, capabilities: ["ALL"] }, { ids }).config.process
      .capabilities;
    expect(caps.effective).toEqual(ALL_CAPABILITIES);
    expect(caps.effective).toHaveLength(41);
    expect(caps.bounding).toEqual([...ALL_CAPABILITIES].sort());
    expect(
      generateBundleConfigs({ ...base, capabilities: ["none"] }, { ids }).config.process.capabilities,
    ).toEqual({});
  });

  it("adds ambient capabilities to the bounding set", () => {
    const caps = generateBundleConfigs(
      { ...base, capabilities: ["CAP_SYS_TIME", "CAP_KILL"], ambient: ["CAP_NET_RAW"] },
      { ids },
    ).config.process.capabilities;
    expect(caps).toEqual({
      bounding: ["CAP_KILL", "CAP_NET_RAW", "CAP_SYS_TIME"],
      effective: ["CAP_SYS_TIME", "CAP_KILL"],
      inheritable: ["CAP_KILL", "CAP_NET_RAW", "CAP_SYS_TIME"],
      permitted: ["CAP_KILL", "CAP_NET_RAW", "CAP_SYS_TIME"],
      ambient: ["CAP_NET_RAW"],
    });
  });

  it("builds namespaces in LinuxKit's order", () => {
    const ns = generateBundleConfigs(
      { ...base, net: "none", ipc: "new", uts: "/run/uts", pid: "host", userns: "new" },
      { ids },
    ).config.linux.namespaces;
    expect(ns).toEqual([
      { type: "network" },
      { type: "ipc" },
      { type: "uts", path: "/run/uts" },
      { type: "user" },
      { type: "mount" },
    ]);
  });

  it("resolves uids by container name", () => {
    const { user } = generateBundleConfigs(
      { ...base, uid: "first", gid: "root", additionalGids: ["svc", 7] },
      { ids },
    ).config.process;
    expect(user).toEqual({ uid: 100, gid: 0, additionalGids: [101, 7] });
  });

  it("adds devices and their cgroup rules", () => {
    const { linux } = generateBundleConfigs(
      {
        ...base,
        devices: [
          { path: "/dev/console", type: "c", major: 5, minor: 1, mode: "0666" },
          { path: "all", type: "b" },
        ],
      },
      { ids },
    ).config;
    expect(linux.devices).toEqual([{ path: "/dev/console", type: "c", major: 5, minor: 1, fileMode: 0o666 }]);
    expect(linux.resources.devices).toEqual([
      { allow: true, type: "c", major: 5, minor: 1, access: "rwm" },
      { allow: true, type: "b", access: "rwm" },
    ]);
  });

  it("rewrites volume sources in binds and in long mounts (Appendix A.13)", () => {
    const volumes = [{ name: "vola" }, { name: "rovol", readonly: true }];
    const { mounts } = generateBundleConfigs(
      {
        ...base,
        binds: ["vola:/a"],
        mounts: [{ type: "bind", source: "rovol", destination: "/b", options: ["rbind", "ro"] }],
      },
      { ids, volumes },
    ).config;
    expect(mounts.find((m) => m.destination === "/a")?.source).toBe("/containers/volumes/vola/merged");
    expect(mounts.find((m) => m.destination === "/b")?.source).toBe("/containers/volumes/rovol/merged");
  });

  it.each([
    [{ Labels: { "org.mobyproject.config": '{"capabilities":["CAP_BOGUS"]}' } }, "SPEC_UNKNOWN_CAPABILITY"],
    [{ Labels: { "org.mobyproject.config": '{"binds":["a:b:c:d"]}' } }, "SPEC_BIND"],
    [{ Labels: { "org.mobyproject.config": '{"uid":"nosuch"}' } }, "SPEC_UNKNOWN_ID"],
    [{ Labels: { "org.mobyproject.config": '{"binds":["novol:/x"]}' } }, "SPEC_VOLUME_NOT_FOUND"],
    [{ Labels: { "org.mobyproject.config": "[]" } }, "SPEC_LABEL_INVALID"],
  ])("fails on a bad label %j with %s", (imageConfig, code) => {
    const at = { file: "c.yml", line: 3, col: 5 };
    expect(() => generateBundleConfigs(base, { ids, imageConfig, at })).toThrowError(SpecError);
    try {
      generateBundleConfigs(base, { ids, imageConfig, at });
    } catch (error) {
      expect((error as SpecError).code).toBe(code);
      expect((error as SpecError).message).toMatch(/^c\.yml:3:5: /);
    }
  });
});

describe("bundleRuntime (§3.7)", () => {
  const runtime = generateBundleConfigs(base, { ids }).runtime;

  it("prepends tmpfs, private remount and overlay for read-write containers", () => {
    expect(bundleRuntime(runtime, { path: "containers/services/svc", readonly: false }).mounts).toEqual([
      { destination: "/containers/services/svc/tmp", type: "tmpfs", source: "tmpfs" },
      { destination: "/containers/services/svc/tmp", options: ["remount", "private"] },
      {
        destination: "/containers/services/svc/rootfs",
        type: "overlay",
        source: "overlay",
        options: [
          "lowerdir=/containers/services/svc/lower",
          "upperdir=/containers/services/svc/tmp/upper",
          "workdir=/containers/services/svc/tmp/work",
        ],
      },
    ]);
  });

  it("binds a de-duplicated image's earlier extraction for read-only containers (§3.5)", () => {
    const layout = {
      path: "containers/onboot/001-second",
      readonly: true,
      extractedTo: "containers/onboot/000-first/lower",
    };
    expect(bundleRuntime(runtime, layout).mounts).toEqual([
      {
        destination: "/containers/onboot/001-second/rootfs",
        source: "/containers/onboot/000-first/lower",
        options: ["bind"],
      },
    ]);
  });

  it("always has every key", () => {
    expect(Object.keys(runtime)).toEqual(["cgroups", "mounts", "mkdir", "interfaces", "bindNS", "namespace"]);
    expect(runtime.bindNS).toEqual({ cgroup: "", ipc: "", mnt: "", net: "", pid: "", user: "", uts: "" });
  });
});
