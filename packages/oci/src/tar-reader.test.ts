import { InternalError } from "@ocikit/errors";
import { describe, expect, it } from "vitest";
import { OciError } from "./errors.js";
import { readTar } from "./tar-reader.js";
import { archive, chunked, collect, member, paxMember, readAll } from "./test-support/tar-fixtures.js";

const source = "layer sha256:abc";
const read = (bytes: Uint8Array, size?: number) => readAll(readTar(chunked(bytes, size), { source }));
const badLayer = expect.objectContaining({ code: "OCI_BAD_LAYER", message: expect.stringContaining(source) });

describe("readTar: entry types and fields", () => {
  it.each([
    ["file", { typeflag: "0" }, { type: "file", size: 5 }, "hello"],
    ["old file", { typeflag: "\0" }, { type: "file", size: 5 }, "hello"],
    ["contiguous file", { typeflag: "7" }, { type: "file", size: 5 }, "hello"],
    [
      "dir",
      { typeflag: "5", name: "d/", mode: 0o1777 },
      { type: "dir", path: "d", mode: 0o1777, size: 0 },
      "",
    ],
    ["v7 dir", { typeflag: "\0", name: "d/" }, { type: "dir", path: "d", size: 0 }, ""],
    [
      "symlink",
      { typeflag: "2", linkname: "../../etc/shadow" },
      { type: "symlink", linkTarget: "../../etc/shadow" },
      "",
    ],
    ["hardlink", { typeflag: "1", linkname: "/../a/./b" }, { type: "hardlink", linkTarget: "a/b" }, ""],
    ["char", { typeflag: "3", devMajor: 1, devMinor: 3 }, { type: "char", devMajor: 1, devMinor: 3 }, ""],
    ["block", { typeflag: "4", devMajor: 7, devMinor: 0 }, { type: "block", devMajor: 7, devMinor: 0 }, ""],
    ["fifo", { typeflag: "6" }, { type: "fifo", size: 0 }, ""],
    ["mode type bits", { mode: 0o104755 }, { mode: 0o4755 }, ""],
    [
      "owner names",
      { uname: "root", gname: "wheel", uid: 1, gid: 2 },
      { uname: "root", gname: "wheel", uid: 1, gid: 2 },
      "",
    ],
  ] as const)("%s", async (_name, header, want, body) => {
    const bodyBytes = "type" in want && want.type === "file" ? body : "";
    const [entry] = await read(archive(member({ name: "f", ...header }, bodyBytes)));
    expect(entry?.header).toMatchObject({ path: "f", ...want });
    expect(entry?.body.toString()).toBe(body);
  });

  it("gives header-only types no body whatever their size field says (as Go)", async () => {
    const dirWithSize = Buffer.concat([
      member({ name: "d", typeflag: "5", size: 3 }),
      member({ name: "x" }, "x"),
    ]);
    const entries = await read(archive(dirWithSize));
    expect(entries.map((e) => e.header.path)).toEqual(["d", "x"]);
  });
});

describe("readTar: PAX and GNU extensions", () => {
  it("applies PAX records and keeps the others", async () => {
    const pax = paxMember({
      path: "très/long/é",
      linkpath: "",
      size: "3",
      uid: "3000000",
      gid: "4000000",
      uname: "ü",
      gname: "",
      mtime: "1700000000.123456789",
      atime: "1.5",
      "SCHILY.xattr.user.a": "1",
      "SCHILY.xattr.security.capability": "\u0001\u0000\u00ff",
      "LINUXKIT.source": "docker.io/x",
    });
    const [entry] = await read(archive(pax, member({ name: "short", gname: "grp" }, "abc")));
    expect(entry?.header).toEqual({
      path: "très/long/é",
      type: "file",
      mode: 0o644,
      uid: 3_000_000,
      gid: 4_000_000,
      mtime: Number("1700000000.123456789"),
      size: 3,
      uname: "ü",
      gname: "grp",
      xattrs: { "user.a": "1", "security.capability": "\u0001\u0000\u00ff" },
      pax: { atime: "1.5", "LINUXKIT.source": "docker.io/x" },
    });
    expect(entry?.body.toString()).toBe("abc");
  });

  it("applies global records to every later entry; local ones win; empty removes", async () => {
    const entries = await read(
      archive(
        paxMember({ comment: "g1", uid: "7" }, "g"),
        member({ name: "a" }),
        paxMember({ uid: "8" }),
        member({ name: "b" }),
        paxMember({ comment: "" }, "g"),
        member({ name: "c" }),
      ),
    );
    expect(entries.map((e) => [e.header.path, e.header.uid, e.header.pax?.comment])).toEqual([
      ["a", 7, "g1"],
      ["b", 8, "g1"],
      ["c", 7, undefined],
    ]);
  });

  it("reads GNU long names and links, which win over PAX paths (as Go)", async () => {
    const long = `${"n".repeat(300)}/x`;
    const entries = await read(
      archive(
        paxMember({ path: "pax-name" }),
        member({ name: "././@LongLink", typeflag: "L" }, `${long}\0`),
        member({ name: "././@LongLink", typeflag: "K" }, `${"t".repeat(200)}\0`),
        member({ name: "trunc", typeflag: "2", linkname: "trunc" }),
      ),
    );
    expect(entries[0]?.header).toMatchObject({ path: long, linkTarget: "t".repeat(200) });
  });

  it.each([
    ["GNU sparse type", [member({ typeflag: "S" })]],
    ["GNU volume label", [member({ typeflag: "V" })]],
    ["unknown type", [member({ typeflag: "Z" })]],
    ["PAX sparse file", [paxMember({ "GNU.sparse.major": "1" }), member({})]],
    ["bad PAX number", [paxMember({ uid: "-1" }), member({})]],
    ["bad PAX mtime", [paxMember({ mtime: "1e9" }), member({})]],
    ["file as root", [member({ name: "./" })]],
    ["hardlink to the root", [member({ name: "h", typeflag: "1", linkname: "../" })]],
    ["empty symlink", [member({ name: "s", typeflag: "2", linkname: "" })]],
    ["huge PAX header", [member({ typeflag: "x", size: 2 << 20 })]],
  ])("rejects %s", async (_name, members) => {
    await expect(read(archive(...members))).rejects.toThrow(badLayer);
  });
});

describe("readTar: hostile archives", () => {
  it("keeps names inside the image and symlinks as data", async () => {
    const entries = await read(
      archive(
        member({ name: "../../etc/passwd" }, "x"),
        member({ name: "/abs/file" }),
        member({ name: "link", typeflag: "2", linkname: "/etc" }),
        member({ name: "link/passwd" }, "owned"),
        member({ name: "hl", typeflag: "1", linkname: "../../../etc/shadow" }),
      ),
    );
    expect(entries.map((e) => [e.header.path, e.header.linkTarget])).toEqual([
      ["etc/passwd", undefined],
      ["abs/file", undefined],
      ["link", "/etc"],
      ["link/passwd", undefined],
      ["hl", "etc/shadow"],
    ]);
  });

  const file = member({ name: "f" }, "0123456789");
  it.each([
    ["a body shorter than its size", file.subarray(0, 512 + 4), /"f".*6 bytes short of the 10-byte body/],
    ["missing padding", file.subarray(0, 512 + 10), /"f".*padding/],
    ["a truncated header", file.subarray(0, 100), /inside a header/],
    ["a PAX header without its entry", paxMember({ path: "x" }), /truncated/],
    ["a bad checksum", Buffer.concat([Buffer.alloc(148, 0x41), Buffer.alloc(364)]), /checksum/],
    ["a lone zero block then a header", Buffer.concat([Buffer.alloc(512), file]), /lone zero block/],
    ["a short end marker", Buffer.concat([file, Buffer.alloc(700)]), /end marker/],
  ])("rejects %s", async (_name, bytes, message) => {
    const error = await read(bytes).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OciError);
    expect(error).toMatchObject({ code: "OCI_BAD_LAYER", message: expect.stringMatching(message) });
    expect((error as Error).message).toContain(source);
  });

  it("accepts an archive that ends at a header boundary without the end marker (as Go and GNU tar)", async () => {
    expect((await read(file)).map((e) => e.body.toString())).toEqual(["0123456789"]);
  });
});

describe("readTar: streaming contract", () => {
  const two = archive(member({ name: "a" }, "A".repeat(3000)), member({ name: "b" }, "B".repeat(600)));

  it.each([1, 7, 511, 512, 513, 4096, 1 << 20])(
    "gives the same result in chunks of %i bytes",
    async (size) => {
      const entries = await read(two, size);
      expect(entries.map((e) => [e.header.path, e.body.length])).toEqual([
        ["a", 3000],
        ["b", 600],
      ]);
    },
  );

  it("skips bodies the consumer did not read, or read in part", async () => {
    const seen: string[] = [];
    for await (const entry of readTar(chunked(two, 100), { source })) {
      if (entry.path === "a") {
        for await (const chunk of entry.body()) {
          seen.push(Buffer.from(chunk).toString().slice(0, 1));
          break;
        }
      } else seen.push(`${entry.path}:${(await collect(entry.body())).length}`);
    }
    expect(seen).toEqual(["A", "b:600"]);
  });

  it("reads no further than the entry being read", async () => {
    let pulled = 0;
    async function* counting(): AsyncIterable<Uint8Array> {
      for await (const chunk of chunked(two, 512)) {
        pulled++;
        yield chunk;
      }
    }
    const entries = readTar(counting(), { source })[Symbol.asyncIterator]();
    const first = await entries.next();
    expect(pulled).toBe(1);
    const body = (first.value as { body(): AsyncIterable<Uint8Array> }).body()[Symbol.asyncIterator]();
    await body.next();
    expect(pulled).toBe(2);
    await entries.return?.();
  });

  it("refuses a body read twice or after the next entry (a consumer bug)", async () => {
    const entries = readTar(chunked(two), { source })[Symbol.asyncIterator]();
    const first = (await entries.next()).value as { body(): AsyncIterable<Uint8Array> };
    const body = first.body();
    expect(() => first.body()).toThrow(InternalError);
    await entries.next();
    await expect(collect(body)).rejects.toThrow(InternalError);
  });

  it("reads the source to its end after the end marker, so a verifying source gets to check", async () => {
    async function* verifying(): AsyncIterable<Uint8Array> {
      yield* chunked(Buffer.concat([two, Buffer.alloc(10240)]), 1000);
      throw new OciError("OCI_DIGEST_MISMATCH", "blob digest mismatch");
    }
    await expect(readAll(readTar(verifying(), { source }))).rejects.toThrow(
      expect.objectContaining({ code: "OCI_DIGEST_MISMATCH" }),
    );
  });

  it("closes the source when the consumer stops early", async () => {
    let closed = false;
    async function* source(): AsyncIterable<Uint8Array> {
      try {
        yield* chunked(two, 512);
      } finally {
        closed = true;
      }
    }
    for await (const _entry of readTar(source(), { source: "x" })) break;
    expect(closed).toBe(true);
  });

  it("reads an empty stream and a bare end marker as no entries", async () => {
    expect(await read(Buffer.alloc(0))).toEqual([]);
    expect(await read(Buffer.alloc(10240))).toEqual([]);
  });
});
