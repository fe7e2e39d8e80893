/**
 * `--publish [ADDR:]HOST:GUEST[/tcp|udp]`, LinuxKit's port flag (reference §6.1, `NewPublishedPort`):
 * a guest port forwarded from a host port by qemu's user networking. Unlike LinuxKit, which
 * listens on every address (`hostfwd=tcp::H-:G`), the default address is 127.0.0.1: a VM's port is
 * not opened to the network unless ADDR asks for it (e.g. `0.0.0.0:2222:22`). ADDR is IPv4, which
 * is what qemu's `hostfwd` takes.
 */
import { isIPv4 } from "node:net";
import { HypervisorError } from "./errors.js";
import type { Publish } from "./types.js";

const FORM = "[ADDR:]HOST:GUEST[/tcp|udp], e.g. 2222:22 or 0.0.0.0:8053:53/udp";

/** The host address a published port listens on unless ADDR is given. */
export const DEFAULT_PUBLISH_ADDRESS = "127.0.0.1";

/**
 * Parses one `--publish` value.
 * @throws HV_BAD_OPTION quoting the value and the expected form
 * @example
 * ```ts
 * parsePublish("2222:22");   // { hostAddress: "127.0.0.1", hostPort: 2222, guestPort: 22, protocol: "tcp" }
 * ```
 */
export function parsePublish(value: string): Publish {
  const bad = (what: string) =>
    new HypervisorError("HV_BAD_OPTION", `--publish "${value}": ${what}; expected ${FORM}`);
  const slash = value.lastIndexOf("/");
  const ports = slash < 0 ? value : value.slice(0, slash);
  const protocol = slash < 0 ? "tcp" : value.slice(slash + 1).toLowerCase();
  if (protocol !== "tcp" && protocol !== "udp") throw bad(`protocol "${protocol}" is neither tcp nor udp`);
  const parts = ports.split(":");
  if (parts.length < 2 || parts.length > 3) throw bad("not HOST:GUEST or ADDR:HOST:GUEST");
  const [hostText, guestText] = parts.slice(-2) as [string, string];
  const hostAddress = parts.length === 3 ? (parts[0] as string) : DEFAULT_PUBLISH_ADDRESS;
  if (!isIPv4(hostAddress)) throw bad(`address "${hostAddress}" is not an IPv4 address`);
  const port = (text: string, which: string) => {
    const n = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
    if (!(n >= 1 && n <= 65535)) throw bad(`${which} port "${text}" is not a number from 1 to 65535`);
    return n;
  };
  return { hostAddress, hostPort: port(hostText, "host"), guestPort: port(guestText, "guest"), protocol };
}
