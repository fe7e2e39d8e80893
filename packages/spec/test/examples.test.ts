import { describe, expect, it } from "vitest";
import { runExample } from "../examples/basic.js";

describe("README example", () => {
  it("runs and prints the normalised config, the bundle files and an error", () => {
    const out = runExample();
    expect(out).toContain("image: docker.io/linuxkit/getty:v1.0.0");
    expect(out).toContain('"/usr/bin/rungetty.sh"');
    expect(out).toContain('"CAP_CHECKPOINT_RESTORE"');
    expect(out).toContain('"lowerdir=/containers/services/getty/lower"');
    expect(out).toContain('bad.yml:1:1: unknown key "servics" at the top level; did you mean "services"?');
  });
});
