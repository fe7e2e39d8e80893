import { describe, expect, it } from "vitest";
import {
  isReadOnlyBindText,
  isReadOnlyMountOptions,
  parseBind,
  parseTmpfs,
  resolveMount,
  volumeOfSource,
} from "./mounts.js";

describe("binds, tmpfs and mounts (§3.6)", () => {
  it("gives a bind without options rw,rbind,rshared and appends rbind to given options (Appendix A.4)", () => {
    expect(parseBind("/var:/var")).toEqual({
      ok: true,
      value: { destination: "/var", type: "bind", source: "/var", options: ["rw", "rbind", "rshared"] },
    });
    expect(parseBind("/var:/var:rshared,rbind")).toMatchObject({
      ok: true,
      value: { options: ["rshared", "rbind", "rbind"] },
    });
  });

  it.each([["/var"], ["a:b:c:d"], [":/x"], ["/x:"]])("rejects bind %j", (text) => {
    expect(parseBind(text).ok).toBe(false);
  });

  it("parses tmpfs with and without options", () => {
    expect(parseTmpfs("/run")).toEqual({
      ok: true,
      value: { destination: "/run", type: "tmpfs", source: "tmpfs", options: [] },
    });
    expect(parseTmpfs("/run:size=1m,mode=755")).toMatchObject({
      ok: true,
      value: { options: ["size=1m", "mode=755"] },
    });
    expect(parseTmpfs("/a:b:c").ok).toBe(false);
  });

  it.each([
    [{ type: "cgroup" }, { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup" }],
    [{ source: "proc" }, { destination: "/proc", type: "proc", source: "proc" }],
    [{ destination: "/dev" }, { destination: "/dev", type: "tmpfs", source: "tmpfs" }],
    [{ type: "mqueue" }, { destination: "/dev/mqueue", type: "mqueue", source: "mqueue" }],
    [
      { type: "bind", source: "/a", destination: "/b", options: ["ro"] },
      { destination: "/b", type: "bind", source: "/a", options: ["ro"] },
    ],
  ])("infers a mount %j", (entry, want) => {
    expect(resolveMount(entry)).toEqual({ ok: true, value: want });
  });

  it("reports what cannot be inferred", () => {
    expect(resolveMount({ destination: "/x" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/missing type/),
    });
    expect(resolveMount({ type: "bind" })).toMatchObject({
      ok: false,
      message: expect.stringMatching(/missing destination/),
    });
  });

  it("knows volume sources and read-only forms (§1.8)", () => {
    expect(volumeOfSource("vola")).toBe("vola");
    expect(volumeOfSource("/var")).toBeUndefined();
    expect(isReadOnlyBindText("vola:/v:ro")).toBe(true);
    expect(isReadOnlyBindText("vola:/v:ro,rbind")).toBe(false);
    expect(isReadOnlyBindText("vola:/v")).toBe(false);
    expect(isReadOnlyMountOptions(["rbind", "ro"])).toBe(true);
    expect(isReadOnlyMountOptions(["rw", "ro"])).toBe(false);
    expect(isReadOnlyMountOptions(undefined)).toBe(false);
  });
});
