import { describe, expect, it } from "vitest";
import { parseRlimit, RLIM_INFINITY, splitN } from "./rlimits.js";

describe("parseRlimit (§3.6)", () => {
  it.each([
    ["nofile,1024,4096", { type: "RLIMIT_NOFILE", soft: 1024n, hard: 4096n }],
    ["RLIMIT_NOFILE,1,2", { type: "RLIMIT_NOFILE", soft: 1n, hard: 2n }],
    [
      " memlock , unlimited , UNLIMITED ",
      { type: "RLIMIT_MEMLOCK", soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ],
    ["as,18446744073709551615,0", { type: "RLIMIT_AS", soft: 18446744073709551615n, hard: 0n }],
  ])("%s", (input, want) => {
    expect(parseRlimit(input)).toEqual({ ok: true, value: want });
  });

  it.each([
    ["nofile,1024", /expected name,soft,hard/],
    ["nofiles,1,2", /unknown rlimit "nofiles".*did you mean "nofile"/],
    ["nofile,-1,2", /cannot parse soft limit "-1"/],
    ["nofile,1,2,3", /cannot parse hard limit "2,3"/],
    ["nofile,1,18446744073709551616", /cannot parse hard limit/],
  ])("rejects %s", (input, message) => {
    const parsed = parseRlimit(input);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toMatch(message);
  });

  it("splits like Go's strings.SplitN", () => {
    expect(splitN("a,b,c,d", ",", 3)).toEqual(["a", "b", "c,d"]);
    expect(splitN("a", ",", 3)).toEqual(["a"]);
  });
});
