/**
 * @ocikit/iso: ISO 9660 images (Rock Ridge, Joliet, El Torito, isohybrid), FAT file systems for EFI
 * system partitions, GPT/MBR disk images and Unified Kernel Images, written in TypeScript,
 * byte-reproducibly, from streams of filesystem entries.
 */
export { IsoError, type IsoErrorCode } from "./errors.js";
