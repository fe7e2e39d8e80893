/**
 * The init's shell and awk code (rootfs/init/usr/lib/ocikit/), run by the host's busybox (the same
 * busybox-static the images hold), on runtime.json files as @ocikit/spec writes them. `mount` and
 * `mkdir` are shell functions that print what they were asked, so no root and no VM are needed.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { bundleRuntime, formatGoJson, type RuntimeConfig } from "@ocikit/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const LIB = fileURLToPath(new URL("../rootfs/init/usr/lib/ocikit", import.meta.url));

const emptyRuntime: RuntimeConfig = {
  cgroups: [],
  mounts: [],
  mkdir: [],
  interfaces: [],
  bindNS: { cgroup: "", ipc: "", mnt: "", net: "", pid: "", user: "", uts: "" },
  namespace: "",
};

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "ocikit-init-scripts-"));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function flatten(json: string): Promise<string> {
  const file = join(work, "doc.json");
  await writeFile(file, json);
  return (await run("busybox", ["awk", "-f", join(LIB, "json-flatten.awk"), file])).stdout;
}

/** Runs containers.sh's prepare_bundle on a bundle with `runtime`, printing mounts instead of making them. */
async function prepare(runtime: RuntimeConfig, bundle: string): Promise<string> {
  const dir = join(work, "bundle");
  await run("mkdir", ["-p", dir]);
  await writeFile(join(dir, "runtime.json"), formatGoJson(runtime));
  const script = `. "$1/containers.sh"; LIB="$1"
    mount() { echo "mount $*"; }
    mkdir() { echo "mkdir $*"; }
    prepare_bundle "$2"; echo "status $?"`;
  const { stdout } = await run("busybox", ["sh", "-c", script, "sh", LIB, dir]);
  return stdout.replaceAll(dir, bundle);
}

describe("json-flatten.awk", () => {
  it("flattens a runtime.json as @ocikit/spec writes it", async () => {
    const runtime = bundleRuntime(
      {
        ...emptyRuntime,
        mkdir: ["/run/resolvconf"],
        bindNS: { ...emptyRuntime.bindNS, net: "/run/netns/x" },
      },
      { path: "containers/services/svc", readonly: false },
    );
    expect(await flatten(formatGoJson(runtime))).toBe(
      [
        "mounts.0.destination\t/containers/services/svc/tmp",
        "mounts.0.type\ttmpfs",
        "mounts.0.source\ttmpfs",
        "mounts.1.destination\t/containers/services/svc/tmp",
        "mounts.1.options.0\tremount",
        "mounts.1.options.1\tprivate",
        "mounts.2.destination\t/containers/services/svc/rootfs",
        "mounts.2.type\toverlay",
        "mounts.2.source\toverlay",
        "mounts.2.options.0\tlowerdir=/containers/services/svc/lower",
        "mounts.2.options.1\tupperdir=/containers/services/svc/tmp/upper",
        "mounts.2.options.2\tworkdir=/containers/services/svc/tmp/work",
        "mkdir.0\t/run/resolvconf",
        "bindNS.cgroup\t",
        "bindNS.ipc\t",
        "bindNS.mnt\t",
        "bindNS.net\t/run/netns/x",
        "bindNS.pid\t",
        "bindNS.user\t",
        "bindNS.uts\t",
        "namespace\t",
        "",
      ].join("\n"),
    );
  });

  it.each([
    ["Go's escapes of <, > and &", '{"a": "x\\u003cy\\u003e\\u0026z"}', "a\tx<y>&z\n"],
    ["quotes, backslashes and slashes", '{"a": "\\"q\\" \\\\ \\/"}', 'a\t"q" \\ /\n'],
    ["escapes that would break a line, kept", '{"a": "x\\ny\\tz"}', "a\tx\\ny\\tz\n"],
    [
      "numbers and literals",
      '{"n": -1.5e3, "t": true, "f": false, "z": null}',
      "n\t-1.5e3\nt\ttrue\nf\tfalse\nz\tnull\n",
    ],
    ["compact JSON", '{"m":[{"o":["a","b"]},[]],"e":{}}', "m.0.o.0\ta\nm.0.o.1\tb\n"],
  ])("reads %s", async (_, json, want) => {
    expect(await flatten(json)).toBe(want);
  });

  it.each([
    ["a truncated document", '{"a": ['],
    ["a missing comma", '{"a": 1 "b": 2}'],
    ["trailing data", '{"a": 1} x'],
    ["an empty document", ""],
  ])("fails on %s", async (_, json) => {
    await expect(flatten(json)).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^json-flatten: /),
    });
  });
});

describe("containers.sh prepare_bundle", () => {
  it("mounts a read-write bundle's tmpfs, makes it private and mounts the overlay", async () => {
    const runtime = bundleRuntime(emptyRuntime, { path: "containers/onboot/000-x", readonly: false });
    expect(await prepare(runtime, "B")).toBe(
      [
        // destinations missing (here: on the host running the test) are created first
        "mkdir -p /containers/onboot/000-x/tmp",
        "mount -t tmpfs tmpfs /containers/onboot/000-x/tmp",
        "mkdir -p /containers/onboot/000-x/tmp",
        "mount -o remount none /containers/onboot/000-x/tmp",
        "mount --make-private /containers/onboot/000-x/tmp",
        "mkdir -p /containers/onboot/000-x/tmp/upper",
        "mkdir -p /containers/onboot/000-x/tmp/work",
        "mkdir -p /containers/onboot/000-x/rootfs",
        "mount -t overlay -o lowerdir=/containers/onboot/000-x/lower,upperdir=/containers/onboot/000-x/tmp/upper,workdir=/containers/onboot/000-x/tmp/work overlay /containers/onboot/000-x/rootfs",
        "status 0",
        "",
      ].join("\n"),
    );
  });

  it("binds a read-only bundle's rootfs, then the runtime's own mkdir, mounts and cgroups", async () => {
    const runtime = bundleRuntime(
      {
        ...emptyRuntime,
        mkdir: ["/run/x"],
        mounts: [{ destination: "/run/y", source: "/var/y", options: ["rbind", "ro", "rshared"] }],
        cgroups: ["svc"],
      },
      { path: "containers/services/svc", readonly: true },
    );
    expect(await prepare(runtime, "B")).toBe(
      [
        "mkdir -p /run/x",
        "mkdir -p /containers/services/svc/rootfs",
        "mount -o bind /containers/services/svc/rootfs /containers/services/svc/rootfs",
        "mkdir -p /run/y",
        "mount -o rbind,ro /var/y /run/y",
        "mount -o remount,bind,ro /var/y /run/y",
        "mount --make-rshared /run/y",
        "mkdir -p /sys/fs/cgroup/svc",
        "status 0",
        "",
      ].join("\n"),
    );
  });

  it("reports what it does not support", async () => {
    const runtime = {
      ...emptyRuntime,
      bindNS: { ...emptyRuntime.bindNS, net: "/run/netns/wg" },
      namespace: "x",
    };
    expect(await prepare(runtime, "B")).toMatch(
      /ocikit-init: B: runtime.json: ignored \(not supported here\): bindNS.net namespace\nstatus 0/,
    );
  });
});
