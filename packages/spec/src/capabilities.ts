/**
 * Linux capability names as LinuxKit knows them (linuxkit-reference.md §1.5, §3.6): the 41
 * capabilities up to CAP_CHECKPOINT_RESTORE, in kernel numbering order, which is the order `all`
 * expands to in `process.capabilities.effective`.
 */
import { closestMatch } from "./did-you-mean.js";

/** All capabilities, in kernel numbering order (include/uapi/linux/capability.h). */
export const ALL_CAPABILITIES: readonly string[] = [
  "CAP_CHOWN",
  "CAP_DAC_OVERRIDE",
  "CAP_DAC_READ_SEARCH",
  "CAP_FOWNER",
  "CAP_FSETID",
  "CAP_KILL",
  "CAP_SETGID",
  "CAP_SETUID",
  "CAP_SETPCAP",
  "CAP_LINUX_IMMUTABLE",
  "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST",
  "CAP_NET_ADMIN",
  "CAP_NET_RAW",
  "CAP_IPC_LOCK",
  "CAP_IPC_OWNER",
  "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO",
  "CAP_SYS_CHROOT",
  "CAP_SYS_PTRACE",
  "CAP_SYS_PACCT",
  "CAP_SYS_ADMIN",
  "CAP_SYS_BOOT",
  "CAP_SYS_NICE",
  "CAP_SYS_RESOURCE",
  "CAP_SYS_TIME",
  "CAP_SYS_TTY_CONFIG",
  "CAP_MKNOD",
  "CAP_LEASE",
  "CAP_AUDIT_WRITE",
  "CAP_AUDIT_CONTROL",
  "CAP_SETFCAP",
  "CAP_MAC_OVERRIDE",
  "CAP_MAC_ADMIN",
  "CAP_SYSLOG",
  "CAP_WAKE_ALARM",
  "CAP_BLOCK_SUSPEND",
  "CAP_AUDIT_READ",
  "CAP_PERFMON",
  "CAP_BPF",
  "CAP_CHECKPOINT_RESTORE",
];

const known = new Set(ALL_CAPABILITIES);

/** Whether `name` is a capability name exactly as LinuxKit accepts it (upper case, `CAP_` prefix). */
export function isKnownCapability(name: string): boolean {
  return known.has(name);
}

/** The special values `all` and `none`, in any case, which only work as the only element of a list. */
export function capabilityKeyword(name: string): "all" | "none" | undefined {
  const lower = name.toLowerCase();
  return lower === "all" || lower === "none" ? lower : undefined;
}

/**
 * A hint for an unknown capability name: the likely intended name, e.g. `CAP_SYS_ADMIN` for
 * `sys_admin` or `CAP_SYS_ADMN`.
 */
export function capabilityHint(name: string): string {
  const upper = name.toUpperCase();
  const prefixed = upper.startsWith("CAP_") ? upper : `CAP_${upper}`;
  const match = known.has(prefixed) ? prefixed : closestMatch(prefixed, ALL_CAPABILITIES);
  return match
    ? `; did you mean "${match}"?`
    : "; capability names look like CAP_NET_ADMIN (see capabilities(7))";
}
