import { ChunkReader } from "@ocikit/fs";
import { describe, expect, it } from "vitest";
import { MemberBody, type NewcMember } from "./newc-body.js";
import { byteSum } from "./test-support/newc-bytes.js";
import { chunked, collect, rejection, utf8 } from "./test-support/streams.js";

function member(data: string, magic: "070701" | "070702", check = byteSum(data)): NewcMember {
  const size = Buffer.byteLength(data);
  const fields = {
    ino: 1,
    uid: 0,
    gid: 0,
    nlink: 1,
    mtime: 0,
    devMajor: 0,
    devMinor: 0,
    rdevMajor: 0,
    rdevMinor: 0,
  };
  return {
    path: "f",
    type: "file",
    mode: 0o644,
    uid: 0,
    gid: 0,
    mtime: 0,
    size,
    newc: { ...fields, magic, mode: 0o100644, fileSize: size, nameSize: 2, check, name: "f" },
  };
}

/** A reader over `data`, its padding to 4 and a marker after it. */
const readerOf = (data: string) =>
  new ChunkReader(chunked(utf8(`${data}${"\0".repeat((4 - (data.length % 4)) % 4)}NEXT`), 3));

describe("MemberBody", () => {
  it.each([
    ["read whole", 100],
    ["read in part", 1],
    ["skipped", 0],
  ])("leaves the reader after the padding when %s", async (_name, chunksToRead) => {
    const reader = readerOf("hello");
    const body = new MemberBody(reader, member("hello", "070701"), 0);
    let n = 0;
    if (chunksToRead > 0) for await (const _ of body.open()) if (++n >= chunksToRead) break;
    await body.finish();
    expect(Buffer.from(await reader.readExact(4)).toString()).toBe("NEXT");
  });

  it("streams the data, then refuses a second open or an open after finish", async () => {
    const body = new MemberBody(readerOf("data"), member("data", "070701"), 0);
    expect((await collect(body.open())).toString()).toBe("data");
    expect(() => body.open()).toThrow(/called twice/);
    const late = new MemberBody(readerOf("data"), member("data", "070701"), 0);
    await late.finish();
    expect(() => late.open()).toThrow(/after the next entry/);
  });

  it.each([
    ["read", true],
    ["skipped", false],
  ])("verifies a crc member's byte sum when %s", async (_name, read) => {
    const good = new MemberBody(readerOf("sum"), member("sum", "070702"), 0);
    if (read) await collect(good.open());
    await good.finish();
    const bad = new MemberBody(readerOf("sum"), member("sum", "070702", 1), 8);
    const failing = read ? collect(bad.open()) : bad.finish();
    expect(await rejection(failing)).toMatchObject({
      code: "INITRD_CHECKSUM_MISMATCH",
      data: { path: "f", offset: 8 },
    });
  });

  it("reports truncated data", async () => {
    const body = new MemberBody(new ChunkReader(chunked(utf8("hel"))), member("hello", "070701"), 4);
    expect(await rejection(collect(body.open()))).toMatchObject({
      code: "INITRD_TRUNCATED",
      data: { offset: 4 },
    });
  });
});
