import { describe, expect, it } from "vitest";
import { parsePublish } from "./publish.js";

describe("parsePublish", () => {
  it.each([
    ["2222:22", { hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22, protocol: "tcp" }],
    ["8053:53/udp", { hostAddress: "127.0.0.1", hostPort: 8053, guestPort: 53, protocol: "udp" }],
    ["8080:80/TCP", { hostAddress: "127.0.0.1", hostPort: 8080, guestPort: 80, protocol: "tcp" }],
    ["0.0.0.0:2222:22", { hostAddress: "0.0.0.0", hostPort: 2222, guestPort: 22, protocol: "tcp" }],
    [
      "192.168.1.5:1:65535/udp",
      { hostAddress: "192.168.1.5", hostPort: 1, guestPort: 65535, protocol: "udp" },
    ],
  ])("reads %j", (value, want) => {
    expect(parsePublish(value)).toEqual(want);
  });

  it.each([
    ["22", "not HOST:GUEST"],
    ["a:b:c:d", "not HOST:GUEST"],
    ["2222:22/sctp", 'protocol "sctp"'],
    ["0:22", 'host port "0"'],
    ["2222:65536", 'guest port "65536"'],
    ["ssh:22", 'host port "ssh"'],
    ["2222:-1", 'guest port "-1"'],
    ["localhost:2222:22", 'address "localhost"'],
    ["::1:2222:22", "not HOST:GUEST"],
  ])("refuses %j with HV_BAD_OPTION quoting it", (value, detail) => {
    let error: unknown;
    try {
      parsePublish(value);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: "HV_BAD_OPTION" });
    expect((error as Error).message).toContain(`--publish "${value}": `);
    expect((error as Error).message).toContain(detail);
    expect((error as Error).message).toContain("expected [ADDR:]HOST:GUEST[/tcp|udp]");
  });
});
