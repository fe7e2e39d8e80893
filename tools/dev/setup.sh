#!/bin/sh
# Sets up this machine for ocikit's demo and tests, and does nothing that is already done, so it can
# run before every `npm run demo` / `npm test`. Made for a fresh Debian with only Node 20 and npm,
# run as root (or as a user with sudo for the Debian packages):
#   1. the pinned pnpm (toolchain.md: corepack and pnpm's self-switch fail here, so npm installs it);
#   2. the Debian packages the tests and the demo need (DEBIAN_PACKAGES), without starting services;
#   3. the workspace's dependencies, exactly as pnpm-lock.yaml pins them.
set -eu
cd "$(dirname "$0")/../.."

PNPM_VERSION=12.4.2

# Debian packages the tests and the demo need, installed when missing (toolchain.md §System
# packages). Later issues add to this list, separated by spaces, e.g. "qemu-system-x86 cpio".
#   docker-registry skopeo apache2-utils openssl zstd procps: tools/test-registry (the registry,
#   the interop oracle, htpasswd, the token signing key, zstd layers, pgrep in its tests).
#   cpio: packages/initrd's oracle tests (GNU cpio lists, extracts and writes newc archives).
#   qemu-system-x86 qemu-utils linux-image-amd64 busybox-static runc openssh-server openssh-client:
#   tools/test-images (qemu boots under TCG, the installed kernel's modules and runc/busybox as ELF
#   oracles, ssh into the sshd test image; GNU cpio packs its hand-made initrds; the images
#   themselves come from `apt-get download`, which needs the package lists: ensure_apt_lists).
#   genisoimage xorriso ovmf: packages/hypervisor (isoinfo and xorriso read back the --data ISO in
#   its oracle tests; OVMF is the UEFI firmware findUefiFirmware finds and its qemu check loads).
#   dosfstools mtools systemd-boot-efi: packages/iso's FAT oracles (fsck.fat -n checks the images,
#   mkfs.fat is the reference for the BPB choices, mdir/mcopy/minfo read the tree back; OVMF starts
#   systemd-boot from a FAT image as the firmware check).
#   gdisk fdisk binutils isolinux syslinux-common: packages/iso's disk and UKI oracles (sgdisk -v,
#   fdisk -l and sfdisk --json read the GPT disks back, objdump -h lists a UKI's sections; the
#   bootloader files are looked for at their Debian paths; systemd-boot-efi's stub makes the UKI).
#   (also) genisoimage xorriso isolinux syslinux-common fdisk: packages/iso's ISO 9660 oracles
#   (isoinfo and genisoimage, xorriso's extraction, El Torito report and mkisofs mode; isolinux.bin,
#   ldlinux.c32 and isohdpfx.bin boot the images under qemu; fdisk -l reads the isohybrid MBR).
DEBIAN_PACKAGES="docker-registry skopeo apache2-utils openssl zstd procps attr tar gzip cpio qemu-system-x86 qemu-utils linux-image-amd64 busybox-static runc openssh-server openssh-client genisoimage xorriso ovmf dosfstools mtools systemd-boot-efi gdisk fdisk binutils isolinux syslinux-common chromium fonts-dejavu-core"

say() { echo "setup: $*"; }
die() { echo "setup: $*" >&2; exit 1; }

ensure_pnpm() {
  current=$(pnpm --version 2>/dev/null || true)
  [ "$current" = "$PNPM_VERSION" ] && return 0
  say "installing pnpm@$PNPM_VERSION with npm (found: ${current:-none})"
  npm install --global --no-fund --no-audit --loglevel=error "pnpm@$PNPM_VERSION" ||
    die "cannot install pnpm@$PNPM_VERSION; run \"npm install --global pnpm@$PNPM_VERSION\" as root"
  hash -r 2>/dev/null || true
  current=$(pnpm --version 2>/dev/null || true)
  [ "$current" = "$PNPM_VERSION" ] ||
    die "pnpm on PATH is ${current:-missing} after installing $PNPM_VERSION ($(command -v pnpm || echo 'not found')); put npm's global bin directory ($(npm prefix --global)/bin) first on PATH"
}

ensure_debian_packages() {
  [ -n "$DEBIAN_PACKAGES" ] || return 0
  command -v dpkg-query >/dev/null 2>&1 || die "cannot check Debian packages (no dpkg-query); install: $DEBIAN_PACKAGES"
  missing=""
  for package in $DEBIAN_PACKAGES; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing="$missing $package"
  done
  [ -n "$missing" ] || return 0
  if [ "$(id -u)" = 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    die "missing Debian packages:$missing; as root, run: apt-get update && apt-get install -y$missing"
  fi
  say "installing Debian packages:$missing"
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # Packages such as docker-registry start a system service when installed; the tests start their
  # own. A policy-rc.d that exits 101 makes invoke-rc.d and deb-systemd-invoke leave services alone.
  policy=/usr/sbin/policy-rc.d
  added_policy=""
  if [ ! -e "$policy" ]; then
    $as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"
    added_policy=1
  fi
  status=0
  # shellcheck disable=SC2086 # $missing is a list of package names
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing || status=$?
  if [ -n "$added_policy" ]; then $as_root rm -f "$policy"; fi
  [ "$status" = 0 ] || die "apt-get install$missing failed (status $status, see above)"
}

# `apt-get download` (tools/test-images, the benchmark image) needs package lists, which a machine
# that had every package already may lack (container images often delete them).
ensure_apt_lists() {
  command -v apt-get >/dev/null 2>&1 || return 0
  ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ]; then
    as_root=""
  elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
  else
    say "no Debian package lists; as root, run: apt-get update"
    return 0
  fi
  say "fetching Debian package lists (apt-get update)"
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed (see above)"
}

ensure_dependencies() {
  if [ ! -d node_modules ]; then
    say "installing dependencies (pnpm install --frozen-lockfile)"
    pnpm install --frozen-lockfile || die "pnpm install --frozen-lockfile failed (see above)"
    return 0
  fi
  # Usually there is nothing to do: keep quiet then, and show pnpm's output when it adds or removes
  # packages ("Packages: +3") or fails.
  log=$(mktemp)
  if pnpm install --frozen-lockfile >"$log" 2>&1; then
    if grep -q "^Packages:" "$log"; then cat "$log"; fi
    rm -f "$log"
  else
    cat "$log" >&2
    rm -f "$log"
    die "pnpm install --frozen-lockfile failed (see above)"
  fi
}

ensure_pnpm
ensure_debian_packages
ensure_apt_lists
ensure_dependencies
