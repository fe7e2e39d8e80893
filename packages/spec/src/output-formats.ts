/**
 * The output format names LinuxKit's `build --format` knows (linuxkit-reference.md §4). The 2017
 * `outputs:` list is checked against them; which of them ocikit can write is @ocikit/build's business.
 */

/** Every LinuxKit output format name. */
export const OUTPUT_FORMATS = [
  "kernel+initrd",
  "tar",
  "tar-kernel-initrd",
  "docker",
  "iso-bios",
  "iso-efi",
  "iso-efi-initrd",
  "raw-bios",
  "raw-efi",
  "qcow2-efi",
  "qcow2-bios",
  "aws",
  "gcp",
  "vhd",
  "dynamic-vhd",
  "vmdk",
  "kernel+squashfs",
  "kernel+erofs",
  "kernel+iso",
  "rpi3",
] as const;

export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** Whether `name` is a LinuxKit output format name. */
export function isOutputFormat(name: string): name is OutputFormat {
  return (OUTPUT_FORMATS as readonly string[]).includes(name);
}
