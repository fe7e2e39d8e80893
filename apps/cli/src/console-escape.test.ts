import { describe, expect, it } from "vitest";
import { createConsoleEscape } from "./console-escape.js";

const text = (bytes: Uint8Array) => Buffer.from(bytes).toString("latin1");

describe("createConsoleEscape", () => {
  it("passes ordinary keys, Ctrl-C included, to the guest", () => {
    const { toGuest, commands } = createConsoleEscape().feed(Buffer.from("uname -r\r\x03"));
    expect(text(toGuest)).toBe("uname -r\r\x03");
    expect(commands).toEqual([]);
  });

  it("turns Ctrl-A x, p, h and ? into commands and keeps them from the guest", () => {
    const { toGuest, commands } = createConsoleEscape().feed(Buffer.from("a\x01xb\x01P\x01h\x01?"));
    expect(text(toGuest)).toBe("ab");
    expect(commands).toEqual(["quit", "powerdown", "help", "help"]);
  });

  it("sends one Ctrl-A for Ctrl-A Ctrl-A and drops an unknown key after Ctrl-A", () => {
    const { toGuest, commands } = createConsoleEscape().feed(Buffer.from("\x01\x01\x01zq"));
    expect(text(toGuest)).toBe("\x01q");
    expect(commands).toEqual([]);
  });

  it("keeps a Ctrl-A that ends one read for the next", () => {
    const keys = createConsoleEscape();
    const first = keys.feed(Buffer.from("ls\x01"));
    expect(text(first.toGuest)).toBe("ls");
    expect(first.commands).toEqual([]);
    const next = keys.feed(Buffer.from("x"));
    expect(text(next.toGuest)).toBe("");
    expect(next.commands).toEqual(["quit"]);
  });
});
