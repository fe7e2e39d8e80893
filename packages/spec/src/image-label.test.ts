import { describe, expect, it } from "vitest";
import { applyImageLabel, parseImageLabel } from "./image-label.js";

const entry = { name: "svc", image: "docker.io/x/svc:1" };

describe("image label defaults (§2.1)", () => {
  it("parses JSON labels and YAML labels", () => {
    expect(parseImageLabel('{"pid":"host","binds":["/a:/a"]}', "x/y:1")).toEqual({
      pid: "host",
      binds: ["/a:/a"],
    });
    expect(parseImageLabel("net: host\n", "x/y:1")).toEqual({ net: "host" });
  });

  it.each([
    ["[1,2]", /must be an object/],
    ['{"name":"x"}', /cannot set "name"/],
    ['{"image":"x"}', /cannot set "image"/],
    ['{"capabilites":[]}', /unknown key "capabilites".*did you mean "capabilities"/],
    ['{"readonly":"yes"}', /readonly: expected a boolean/],
    ["{", /not valid JSON or YAML/],
  ])("rejects %s", (text, message) => {
    expect(() => parseImageLabel(text, "docker.io/x/y:1")).toThrowError(message);
    try {
      parseImageLabel(text, "docker.io/x/y:1");
    } catch (error) {
      expect((error as { code: string }).code).toBe("SPEC_LABEL_INVALID");
      expect((error as Error).message).toContain("docker.io/x/y:1");
    }
  });

  it("lets YAML values win, label values fill in", () => {
    const label = parseImageLabel('{"net":"host","pid":"host","cwd":"/label","binds":["/l:/l"]}', "i");
    expect(applyImageLabel({ ...entry, pid: "new", cwd: "" }, label)).toEqual({
      ...entry,
      net: "host",
      pid: "new",
      cwd: "/label", // an empty cwd counts as absent, as LinuxKit's assignStringEmpty
      binds: ["/l:/l"],
    });
  });

  it("clears the label's list when the YAML sets an empty one", () => {
    expect(applyImageLabel({ ...entry, binds: [] }, { binds: ["/l:/l"] }).binds).toEqual([]);
  });

  it("appends .add lists to the label's, without duplicates (Appendix A.3)", () => {
    const merged = applyImageLabel(
      { ...entry, "capabilities.add": ["CAP_NET_ADMIN", "CAP_SYS_TIME"], "binds.add": ["/y:/y", "/l:/l"] },
      { capabilities: ["CAP_SYS_ADMIN", "CAP_NET_ADMIN"], binds: ["/l:/l"] },
    );
    expect(merged.capabilities).toEqual(["CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SYS_TIME"]);
    expect(merged.binds).toEqual(["/l:/l", "/y:/y"]);
    expect(merged).not.toHaveProperty("capabilities.add");
    expect(merged).not.toHaveProperty("binds.add");
  });

  it("ignores .add when the YAML sets the plain list", () => {
    const merged = applyImageLabel(
      { ...entry, capabilities: ["CAP_KILL"], "capabilities.add": ["CAP_SYS_TIME"] },
      { capabilities: ["CAP_SYS_ADMIN"] },
    );
    expect(merged.capabilities).toEqual(["CAP_KILL"]);
  });

  it("treats all added to label capabilities as all", () => {
    expect(
      applyImageLabel({ ...entry, "capabilities.add": ["all"] }, { capabilities: ["CAP_KILL"] }).capabilities,
    ).toEqual(["all"]);
  });

  it("merges runtime field by field and bindNS entry by entry", () => {
    const merged = applyImageLabel(
      { ...entry, runtime: { mkdir: ["/y"], bindNS: { net: "/run/netns/y" } } },
      { runtime: { mkdir: ["/l"], cgroups: ["l"], bindNS: { net: "/run/netns/l", ipc: "/run/ipc/l" } } },
    );
    expect(merged.runtime).toEqual({
      mkdir: ["/y"],
      cgroups: ["l"],
      bindNS: { net: "/run/netns/y", ipc: "/run/ipc/l" },
    });
  });
});
