/** Values fixed by LinuxKit's layout (linuxkit-reference.md §3.11). */

/**
 * LinuxKit stamps everything it creates with 2017-04-18T16:30:00Z (`defaultModTime`,
 * moby/build/dir.go); we match it so that our trees list the same as LinuxKit's.
 */
export const CREATED_MTIME = 1_492_533_000;

/** The resolv.conf symlink target for init images and volumes (§3.4). */
export const RESOLV_CONF_TARGET = "/run/resolvconf/resolv.conf";

/** The `etc/hosts` every image gets (§3.4), 160 bytes. */
export const HOSTS_CONTENTS = `127.0.0.1       localhost
::1     localhost ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
`;

/** The `etc/resolv.conf` container bundles get (§3.4), 29 bytes. */
export const RESOLV_CONF_CONTENTS = "\n# no resolv.conf configured\n";
