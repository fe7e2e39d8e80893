/**
 * `--networking user|tap,IF|bridge,BR|none`, LinuxKit's `run qemu` modes (reference §6.1): qemu's
 * user-mode stack (the default, and the only one that publishes ports), an existing tap device, an
 * existing bridge (through qemu's setuid bridge helper), or no NIC. `default` means `user`.
 */
import { HypervisorError } from "./errors.js";
import type { Networking } from "./types.js";

const FORM = "user, tap,IFNAME, bridge,BRIDGE or none";

/**
 * Parses `--networking`.
 * @throws HV_BAD_OPTION quoting the value and the expected form
 * @example
 * ```ts
 * parseNetworking("tap,tap0");   // { mode: "tap", iface: "tap0" }
 * ```
 */
export function parseNetworking(value: string): Networking {
  const bad = (what: string) =>
    new HypervisorError("HV_BAD_OPTION", `--networking "${value}": ${what}; expected ${FORM}`);
  const comma = value.indexOf(",");
  const mode = comma < 0 ? value : value.slice(0, comma);
  const name = comma < 0 ? undefined : value.slice(comma + 1);
  switch (mode) {
    case "":
    case "default":
    case "user":
    case "none":
      if (name !== undefined) throw bad(`mode "${mode || "user"}" takes no name`);
      return mode === "none" ? { mode: "none" } : { mode: "user" };
    case "tap":
    case "bridge": {
      if (name === undefined || name === "")
        throw bad(`mode "${mode}" needs the name of an existing ${mode === "tap" ? "tap device" : "bridge"}`);
      // A Linux interface name (IFNAMSIZ - 1 characters); a comma or "=" would end up in qemu's option string.
      if (!/^[A-Za-z0-9_.:@-]{1,15}$/.test(name)) throw bad(`"${name}" is not an interface name`);
      return mode === "tap" ? { mode, iface: name } : { mode, bridge: name };
    }
    default:
      throw bad(`unknown mode "${mode}"`);
  }
}
