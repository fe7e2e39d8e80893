import { describe, expect, it } from "vitest";
import { parseNetworking } from "./networking.js";

describe("parseNetworking", () => {
  it.each([
    ["user", { mode: "user" }],
    ["default", { mode: "user" }],
    ["none", { mode: "none" }],
    ["tap,tap0", { mode: "tap", iface: "tap0" }],
    ["bridge,br0", { mode: "bridge", bridge: "br0" }],
    ["bridge,virbr-lan.5", { mode: "bridge", bridge: "virbr-lan.5" }],
  ])("reads %j", (value, want) => {
    expect(parseNetworking(value)).toEqual(want);
  });

  it.each([
    ["vmnet", 'unknown mode "vmnet"'],
    ["tap", 'mode "tap" needs the name of an existing tap device'],
    ["bridge,", 'mode "bridge" needs the name of an existing bridge'],
    ["user,eth0", 'mode "user" takes no name'],
    ["tap,tap0,script=/evil", '"tap0,script=/evil" is not an interface name'],
    ["tap,averyveryverylongname", '"averyveryverylongname" is not an interface name'],
  ])("refuses %j with HV_BAD_OPTION quoting it", (value, detail) => {
    expect(() => parseNetworking(value)).toThrow(expect.objectContaining({ code: "HV_BAD_OPTION" }));
    expect(() => parseNetworking(value)).toThrow(`--networking "${value}": ${detail}`);
  });
});
