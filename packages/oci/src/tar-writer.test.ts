import { entryFromBytes, type FsEntry, type FsHeader } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { readTar } from "./tar-reader.js";
import { writeTar } from "./tar-writer.js";
import { collect, readAll } from "./test-support/tar-fixtures.js";

const base: Omit<FsHeader, "size"> = {
  path: "f",
  type: "file",
  mode: 0o644,
  uid: 0,
  gid: 0,
  mtime: 1_700_000_000,
};

async function* from(...entries: FsEntry[]): AsyncIterable<FsEntry> {
  yield* entries;
}
const file = (header: Partial<FsHeader>, body = "") =>
  entryFromBytes({ ...base, ...header }, new TextEncoder().encode(body));
const node = (header: Partial<FsHeader>): FsEntry => ({ ...base, size: 0, ...header, async *body() {} });
const write = (...entries: FsEntry[]) => collect(writeTar(from(...entries)));
const roundTrip = async (...entries: FsEntry[]) =>
  readAll(
    readTar(
      (async function* () {
        yield await write(...entries);
      })(),
      { source: "ours" },
    ),
  );
const hasPaxHeader = (tar: Buffer) => tar[156] === "x".charCodeAt(0);

describe("writeTar", () => {
  it("writes plain ustar when everything fits, ending with two zero blocks", async () => {
    const tar = await write(file({}, "hello"));
    expect(tar.length).toBe(512 + 512 + 1024);
    expect(hasPaxHeader(tar)).toBe(false);
    expect(tar.subarray(257, 265).toString("latin1")).toBe("ustar\u000000");
    expect(tar.subarray(1024).every((b) => b === 0)).toBe(true);
  });

  it("splits names up to 255 ASCII bytes into ustar's prefix and name", async () => {
    const path = `${"p".repeat(150)}/${"n".repeat(99)}`;
    const tar = await write(file({ path }));
    expect(hasPaxHeader(tar)).toBe(false);
    expect((await roundTrip(file({ path })))[0]?.header.path).toBe(path);
  });

  it.each<[string, Partial<FsHeader>, string]>([
    ["a name over 255 bytes", { path: `${"a".repeat(200)}/${"b".repeat(100)}` }, "path"],
    ["a component over 100 bytes", { path: "c".repeat(101) }, "path"],
    ["a non-ASCII name", { path: "é" }, "path"],
    ["a control character in a name", { path: "tab\there" }, "path"],
    ["a long symlink target", { type: "symlink", linkTarget: "t".repeat(101) }, "linkpath"],
    ["a non-ASCII hardlink target", { type: "hardlink", linkTarget: "ü/x" }, "linkpath"],
    ["a uid of 2^21", { uid: 2 ** 21 }, "uid"],
    ["a gid of 2^32", { gid: 2 ** 32 }, "gid"],
    ["a fractional mtime", { mtime: 1700000000.123456 }, "mtime"],
    ["a negative mtime", { mtime: -1 }, "mtime"],
    ["an mtime past 2242", { mtime: 8 ** 11 }, "mtime"],
    ["a tiny fraction", { mtime: 1e-7 }, "mtime"],
    ["a long owner name", { uname: "u".repeat(33) }, "uname"],
    ["a non-ASCII group name", { gname: "grüppe" }, "gname"],
    [
      "an xattr",
      { xattrs: { "security.capability": "\u0001\u0000\u00ff" } },
      "SCHILY.xattr.security.capability",
    ],
    ["a PAX record", { pax: { "LINUXKIT.source": "docker.io/x", atime: "1.5" } }, "LINUXKIT.source"],
  ])("adds a PAX header for %s, and reads back the same header", async (_name, header, key) => {
    const entry = header.type && header.type !== "file" ? node(header) : file(header, "xyz");
    const tar = await write(entry);
    expect(hasPaxHeader(tar)).toBe(true);
    expect(tar.subarray(512, 1024).toString("latin1")).toContain(` ${key}=`);
    const [back] = await roundTrip(entry);
    const { body: _body, ...want } = entry;
    expect(back?.header).toEqual(want);
  });

  it("records a size of 8 GiB and more in PAX (headers come out with the body's first chunk)", async () => {
    let read = 0;
    const big = {
      ...base,
      size: 8 * 2 ** 30,
      async *body() {
        for (;;) {
          read++;
          yield new Uint8Array(1 << 20);
        }
      },
    } satisfies FsEntry;
    const chunks: Uint8Array[] = [];
    for await (const chunk of writeTar(from(big))) {
      chunks.push(chunk);
      if (chunks.length === 2) break; // PAX header, records and ustar header gathered; then the body
    }
    expect(Buffer.from(chunks[0] ?? []).toString("latin1")).toContain(" size=8589934592\n");
    expect(chunks[0]?.length).toBe(3 * 512);
    expect(chunks[1]?.length).toBe(1 << 20);
    expect(read).toBe(1);
  });

  it("gathers small headers and bodies into 64 KiB chunks; the bytes are the same", async () => {
    const many = Array.from({ length: 300 }, (_, i) => file({ path: `f${i}` }, "x".repeat(i)));
    const chunks: Uint8Array[] = [];
    for await (const chunk of writeTar(from(...many))) chunks.push(chunk);
    expect(chunks.slice(0, -1).every((c) => c.length === 64 * 1024)).toBe(true);
    const back = await roundTrip(...many);
    expect(back.map((e) => e.header.path)).toEqual(many.map((e) => e.path));
  });

  it("round trips every entry type with its fields and bytes", async () => {
    const entries: FsEntry[] = [
      node({ path: ".", type: "dir", mode: 0o755 }),
      node({ path: "etc", type: "dir", mode: 0o1777, uid: 1, gid: 2, uname: "bin", gname: "daemon" }),
      file({ path: "etc/passwd", mode: 0o4755, mtime: 0 }, "root:x:0:0\n"),
      node({ path: "etc/link", type: "hardlink", linkTarget: "etc/passwd" }),
      node({ path: "etc/sym", type: "symlink", mode: 0o777, linkTarget: "../../../abs/elsewhere" }),
      node({ path: "dev/null", type: "char", mode: 0o666, devMajor: 1, devMinor: 3 }),
      node({ path: "dev/sda", type: "block", mode: 0o660, devMajor: 8, devMinor: 1_048_575 }),
      node({ path: "run/fifo", type: "fifo", mode: 0o600 }),
      file({ path: "big", mode: 0o600 }, "z".repeat(70_000)),
    ];
    const back = await roundTrip(...entries);
    expect(back.map((e) => e.header)).toEqual(entries.map(({ body: _body, ...header }) => header));
    expect(back.map((e) => e.body.length)).toEqual([0, 0, 11, 0, 0, 0, 0, 0, 70_000]);
  });

  it("writes the same bytes for the same entries, PAX records sorted", async () => {
    const make = () => [
      file({ path: "é", pax: { z: "1", a: "2", m: "3" }, xattrs: { "user.b": "1", "user.a": "2" } }, "x"),
    ];
    const one = await write(...make());
    expect(one.equals(await write(...make()))).toBe(true);
    const records = one.subarray(512, 1024).toString("latin1");
    const keys = [...records.matchAll(/\d+ ([^=]+)=/g)].map((m) => m[1]);
    expect(keys).toEqual([...keys].sort());
  });

  it.each([
    ["longer", "too long!", 4],
    ["shorter", "ab", 4],
  ])(
    "stops with OCI_ENTRY_SIZE_MISMATCH on a body %s than its size, never writing past it",
    async (_name, body, size) => {
      const liar: FsEntry = {
        ...base,
        size,
        async *body() {
          yield new TextEncoder().encode(body);
        },
      };
      const out: Uint8Array[] = [];
      const error = await (async () => {
        for await (const chunk of writeTar(from(liar))) out.push(chunk);
      })().catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: "OCI_ENTRY_SIZE_MISMATCH",
        message: expect.stringContaining('"f"'),
      });
      expect(Buffer.concat(out).length).toBeLessThanOrEqual(512 + size);
    },
  );

  it.each<[string, Partial<FsHeader>]>([
    ["an un-normalised path", { path: "../x" }],
    ["a trailing slash", { path: "d/" }],
    ["a NUL in a path", { path: "a\0b" }],
    ["a file as the root", { path: "." }],
    ["a mode with type bits", { mode: 0o100644 }],
    ["a negative uid", { uid: -1 }],
    ["a fractional gid", { gid: 1.5 }],
    ["a NaN mtime", { mtime: Number.NaN }],
    ["a dir with a size", { type: "dir", size: 3 }],
    ["a symlink without a target", { type: "symlink" }],
    ["a hardlink to an un-normalised path", { type: "hardlink", linkTarget: "/etc/passwd" }],
    ["a device number of 2^21", { type: "char", devMajor: 2 ** 21 }],
    ["an xattr name with =", { xattrs: { "a=b": "" } }],
    ["an xattr value that is not bytes", { xattrs: { "user.a": "€" } }],
    ["a PAX key with =", { pax: { "a=b": "" } }],
  ])("refuses %s with OCI_BAD_ENTRY", async (_name, header) => {
    const entry =
      header.type && header.type !== "file"
        ? node(header)
        : { ...file({}), ...header, size: header.size ?? 0 };
    await expect(write(entry as FsEntry)).rejects.toThrow(expect.objectContaining({ code: "OCI_BAD_ENTRY" }));
  });
});
