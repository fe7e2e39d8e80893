import { describe, expect, it } from "vitest";
import { parseDiskSpec } from "./disk-spec.js";

describe("parseDiskSpec", () => {
  it.each([
    ["disk.img", { path: "disk.img" }],
    ["file=disk.img", { path: "disk.img" }],
    ["size=1", { sizeMiB: 1024 }],
    ["size=512M", { sizeMiB: 512 }],
    ["size=2G,format=raw", { sizeMiB: 2048, format: "raw" }],
    ["file=/var/d.qcow2,size=4G,format=qcow2", { path: "/var/d.qcow2", sizeMiB: 4096, format: "qcow2" }],
    ["out/x.img,size=100M", { path: "out/x.img", sizeMiB: 100 }],
    ["file=a=b.img", { path: "a=b.img" }],
  ])("reads %j", (value, want) => {
    expect(parseDiskSpec(value)).toEqual(want);
  });

  it.each([
    ["", "empty"],
    ["size=0", 'size "0"'],
    ["size=1.5G", 'size "1.5G"'],
    ["size=10T", 'size "10T"'],
    ["format=qcow2", "neither a path nor a size"],
    ["disk.img,speed=fast", 'unknown key "speed"'],
    ["a.img,b.img", '"file" given twice'],
    ["file=", "empty path"],
    ["d.img,format=qcow2;rm", 'format "qcow2;rm"'],
  ])("refuses %j with HV_BAD_OPTION quoting it", (value, detail) => {
    let error: unknown;
    try {
      parseDiskSpec(value);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "HV_BAD_OPTION" });
    const message = (error as Error).message;
    expect(message).toContain(`--disk "${value}"`);
    expect(message).toContain(detail);
    expect(message).toContain("expected [file=]PATH[,size=N[M|G]][,format=F]");
  });
});
