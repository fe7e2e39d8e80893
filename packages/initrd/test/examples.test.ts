import { describe, expect, it } from "vitest";
import { runExample } from "../examples/basic.js";

describe("README example", () => {
  it("writes an initrd of two members and lists it as the kernel unpacks it", async () => {
    const out = await runExample();
    expect(out).toContain("member 0 (none) ino 722 file 644 kernel/GenuineIntel.bin\n");
    expect(out).toContain("member 1 (gzip) ino 721 dir 755 .\n");
    expect(out).toContain("member 1 (gzip) ino 724 symlink 755 bin/ash -> sh\n");
    expect(out).toContain("member 1 (gzip) ino 726 char 600 dev/console 5,1\n");
    expect(out).toContain("symlink 777 etc/resolv.conf -> /run/resolvconf/resolv.conf\n");
    expect(out).toMatch(/INITRD_MEMBER_TOO_LARGE: huge.img: 4294967296 bytes is too large/);
  });
});
