/**
 * The NIC's MAC address, kept in `<state>/mac-addr` so that a VM keeps its address (and its DHCP
 * lease) across runs, as LinuxKit's `retrieveMAC` does (reference §6.1): random, unicast and
 * locally administered (first octet `x2`, `x6`, `xA` or `xE`), written as `xx:xx:xx:xx:xx:xx`
 * without a newline, which is how LinuxKit writes it and all its `net.ParseMAC` accepts back.
 */
import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { HypervisorError } from "./errors.js";

/** The file in a state directory that holds the MAC address. */
export const MAC_ADDR_FILE = "mac-addr";

/** Options of {@link loadOrCreateMac}. */
export interface MacOptions {
  /** Random bytes; default `crypto.randomBytes`. */
  readonly random?: (size: number) => Uint8Array;
}

/** A random unicast, locally administered MAC address from six random bytes. */
export function macFromBytes(bytes: Uint8Array): string {
  const octets = Array.from(bytes.subarray(0, 6));
  if (octets.length !== 6) throw new RangeError("macFromBytes needs 6 bytes");
  // Set the locally-administered bit, clear the multicast bit.
  octets[0] = ((octets[0] as number) | 0x02) & 0xfe;
  return octets.map((o) => o.toString(16).padStart(2, "0")).join(":");
}

/**
 * The MAC address in `<stateDir>/mac-addr`, or a new random one written there.
 * @throws HV_STATE when the file holds something else than a MAC address, or cannot be written
 */
export async function loadOrCreateMac(stateDir: string, options: MacOptions = {}): Promise<string> {
  const path = join(stateDir, MAC_ADDR_FILE);
  const existing = await readMac(path);
  if (existing !== undefined) return existing;
  const mac = macFromBytes((options.random ?? randomBytes)(6));
  try {
    // "wx": another run that wrote the file first wins, and we use its address.
    await writeFile(path, mac, { flag: "wx", mode: 0o640 });
    return mac;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return (await readMac(path)) ?? mac;
    throw new HypervisorError(
      "HV_STATE",
      `${path}: cannot be written (${(error as NodeJS.ErrnoException).code}); check the state directory's permissions or give another --state`,
      { cause: error },
    );
  }
}

/** The address in the file, normalised; undefined when there is no file. */
async function readMac(path: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new HypervisorError(
      "HV_STATE",
      `${path}: cannot be read (${(error as NodeJS.ErrnoException).code}); check the state directory's permissions`,
      { cause: error },
    );
  }
  const trimmed = text.trim();
  if (!/^[0-9a-f]{2}([:-][0-9a-f]{2}){5}$/i.test(trimmed)) {
    throw new HypervisorError(
      "HV_STATE",
      `${path}: "${trimmed.slice(0, 40)}" is not a MAC address; write one as xx:xx:xx:xx:xx:xx or delete the file for a new one`,
    );
  }
  return trimmed.toLowerCase().replaceAll("-", ":");
}
