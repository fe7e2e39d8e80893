import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { allocateIds, loadConfig } from "@ocikit/spec";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dirMode, filesEntries, prepareFiles } from "./files-section.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ocikit-files-"));
  await writeFile(join(dir, "host.txt"), "from the host\n");
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function entriesOf(yaml: string): Promise<string[]> {
  const { config } = loadConfig([{ path: "c.yml", text: yaml }]);
  const ids = allocateIds(config);
  const prepared = await prepareFiles({ config, ids, cwd: dir, homeDir: dir });
  const out: string[] = [];
  for (const e of filesEntries(prepared, ids)) {
    let text = "";
    for await (const c of e.body()) text += new TextDecoder().decode(c);
    out.push(
      `${e.type} ${e.path} ${e.mode.toString(8)} ${e.uid}:${e.gid}${e.linkTarget ? ` -> ${e.linkTarget}` : ""}${text ? ` ${JSON.stringify(text)}` : ""}`,
    );
  }
  return out;
}

describe("files section (§1.7, §3.9)", () => {
  it("emits parent directories once, with the file's owner and mode plus x (Appendix A.6)", async () => {
    const yaml = `services:
  - name: svc
    image: x/svc:1
files:
  - path: etc/linuxkit.yml
    contents: a
  - path: /usr/share/x/y
    mode: "0640"
    uid: svc
    contents: b
  - path: usr/share/x/z
    contents: c
`;
    expect(await entriesOf(yaml)).toEqual([
      "dir etc 700 0:0",
      'file etc/linuxkit.yml 600 0:0 "a"',
      "dir usr 750 100:0",
      "dir usr/share 750 100:0",
      "dir usr/share/x 750 100:0",
      'file usr/share/x/y 640 100:0 "b"',
      'file usr/share/x/z 600 0:0 "c"',
    ]);
  });

  it("reads sources (optional ones may be missing), makes directories and symlinks", async () => {
    const yaml = `files:
  - path: a/host
    source: host.txt
    mode: "0644"
  - path: a/missing
    source: nope.txt
    optional: true
  - path: d
    directory: true
  - path: d/link
    symlink: /etc/hosts
`;
    expect(await entriesOf(yaml)).toEqual([
      "dir a 755 0:0",
      'file a/host 644 0:0 "from the host\\n"',
      "dir d 700 0:0",
      "symlink d/link 600 0:0 -> /etc/hosts",
    ]);
  });

  it("fails naming the entry when a required source is missing", async () => {
    await expect(entriesOf("files:\n  - path: x\n    source: nope.txt\n")).rejects.toMatchObject({
      code: "BUILD_FILE_SOURCE",
      message: expect.stringContaining('"x"'),
    });
  });

  it("renders the configuration for metadata entries", async () => {
    const out = await entriesOf("init: [a/init:1]\nfiles:\n  - path: etc/linuxkit.yml\n    metadata: yaml\n");
    expect(out[1]).toContain("docker.io/a/init:1");
  });

  it.each([
    [0o600, 0o700],
    [0o640, 0o750],
    [0o644, 0o755],
    [0o400, 0o500],
    [0o000, 0o000],
  ])("dir mode of %o is %o", (mode, want) => {
    expect(dirMode(mode)).toBe(want);
  });
});
