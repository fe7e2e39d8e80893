import { describe, expect, it } from "vitest";
import {
  decodeBase64,
  encodeBase64,
  encodeBinaryStringBase64,
  encodeUtf8Base64,
} from "../page/src/base64.js";

describe("base64 of console bytes", () => {
  it.each([
    ["empty", new Uint8Array()],
    ["ascii", new TextEncoder().encode("login: ")],
    ["all byte values", Uint8Array.from({ length: 256 }, (_, i) => i)],
    ["larger than one chunk", Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) % 256)],
  ])("round-trips %s and agrees with Buffer", (_name, bytes) => {
    const text = encodeBase64(bytes);
    expect(text).toBe(Buffer.from(bytes).toString("base64"));
    expect(Buffer.from(decodeBase64(text)).equals(Buffer.from(bytes))).toBe(true);
  });

  it("encodes typed text as UTF-8", () => {
    expect(Buffer.from(encodeUtf8Base64("é\r"), "base64")).toEqual(Buffer.from([0xc3, 0xa9, 0x0d]));
  });

  it("encodes xterm's binary strings byte for byte", () => {
    expect(Buffer.from(encodeBinaryStringBase64("\x1b[M\xff"), "base64")).toEqual(
      Buffer.from([0x1b, 0x5b, 0x4d, 0xff]),
    );
  });
});
