#!/bin/sh
# Regenerates the FAT fixtures of packages/iso (see README.md) with dosfstools and mtools:
#   sh test-fixtures/iso/fat/make-fixtures.sh
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export MTOOLS_SKIP_CHECK=1 LC_ALL=C.UTF-8 TZ=UTC

# Boot sectors of empty volumes, one per FAT type (sizes in KiB).
mkfs.fat -C -F 12 -i 12345678 -n "MKFS FAT12" "$work/fat12.img" 1024 >/dev/null
mkfs.fat -C -F 16 -i 9abcdef0 -n "MKFS FAT16" "$work/fat16.img" 16384 >/dev/null
mkfs.fat -C -F 32 -i 0badcafe -n "MKFS FAT32" "$work/fat32.img" 40960 >/dev/null
head -c 512 "$work/fat12.img" >mkfs-fat12-boot-sector.bin
head -c 512 "$work/fat16.img" >mkfs-fat16-boot-sector.bin
# FAT32: sectors 0-7 (boot sector, FSInfo, backup boot sector at 6, its FSInfo copy at 7).
head -c 4096 "$work/fat32.img" >mkfs-fat32-reserved-sectors.bin

# A FAT12 volume with files copied in by mtools: short and long names, a multi-cluster file.
mkfs.fat -C -F 12 -s 1 -i 2468ace0 -n FILES "$work/files.img" 1024 >/dev/null
mkdir -p "$work/tree/EFI"
printf 'readme\n' >"$work/tree/README.TXT"
printf 'long\n' >"$work/tree/A long file name.txt"
printf 'unicode\n' >"$work/tree/ünïcödé.txt"
head -c 5000 /dev/zero | tr '\0' 'x' >"$work/tree/big.bin"
touch -d 2017-04-18T16:30:00Z "$work/tree/EFI" "$work/tree/"*
# One mcopy per file, so that the directory order is this order.
for name in README.TXT "A long file name.txt" "ünïcödé.txt" big.bin EFI; do
  mcopy -i "$work/files.img" -m -s "$work/tree/$name" "::/$name"
done
fsck.fat -n "$work/files.img" >/dev/null
# The first sector of the first FAT (reserved sectors: 1) and of the root directory (after 2 FATs).
fat_sectors=$(od -An -tu2 -j22 -N2 "$work/files.img" | tr -d ' ')
dd if="$work/files.img" of=mcopy-fat12-fat-sector.bin bs=512 skip=1 count=1 status=none
dd if="$work/files.img" of=mcopy-fat12-root-directory.bin bs=512 skip=$((1 + 2 * fat_sectors)) count=1 status=none
mdir -i "$work/files.img" ::/ >mcopy-fat12-mdir.txt
