/**
 * @ocikit/iso: ISO 9660 images (Rock Ridge, Joliet, El Torito, isohybrid), FAT file systems for EFI
 * system partitions, GPT/MBR disk images and Unified Kernel Images, written in TypeScript,
 * byte-reproducibly, from streams of filesystem entries.
 *
 * - ISO 9660: `planIso` lays out the image from the entries' headers (pure: Rock Ridge, Joliet, El
 *   Torito, isohybrid), `writeIso` streams it from the entries; `readIso` reads any image back (the
 *   volume, the boot catalog, isohybrid's MBR partitions and the tree as entries); codecs for volume
 *   descriptors, directory records, path tables, SUSP/Rock Ridge entries and the El Torito boot
 *   catalog.
 * - GPT disks: `planDisk` lays out partitions (pure), `writeDiskImage` streams the disk; codecs for the
 *   GPT header, partition entries and the protective MBR.
 * - UKIs: `assembleUki`/`writeUki` append .osrel, .cmdline, .uname, .initrd and .linux to a
 *   systemd-stub as ukify does (`planUki`); PE/COFF header codecs.
 * - FAT12/16/32 for EFI system partitions: `planFat` lays out the image (pure), `writeFat` streams it,
 *   `fatImage` makes a small one in memory; boot sector and FSInfo codecs.
 * - `findBootloaderFiles`: isolinux.bin, ldlinux.c32, isohdpfx.bin and systemd-stub from a bootloader
 *   image's entries or this machine; `writeRawEfi`: a GPT disk whose ESP holds a UKI.
 */

export {
  BOOTLOADER_FILE_PACKAGES,
  BOOTLOADER_FILE_PATHS,
  type BootloaderFile,
  type BootloaderFileName,
  FIND_BOOTLOADER_FILES_DEFAULTS,
  type FindBootloaderFilesOptions,
  findBootloaderFiles,
} from "./bootloader-files.js";
export {
  type DirectoryRecord,
  directoryRecordFromBytes,
  directoryRecordToBytes,
} from "./directory-record.js";
export { writeDiskImage } from "./disk-image.js";
export {
  DISK_DEFAULTS,
  type DiskOptions,
  type DiskPartitionSpec,
  type DiskPlan,
  type PlannedPartition,
  planDisk,
} from "./disk-plan.js";
export {
  BOOT_EMULATIONS,
  type BootCatalog,
  type BootCatalogEntry,
  type BootEmulation,
  type BootPlatform,
  bootCatalogFromBytes,
  bootCatalogToBytes,
} from "./el-torito-catalog.js";
export { IsoError, type IsoErrorCode } from "./errors.js";
export {
  type FatBootSector,
  type FatType,
  fatBootSectorFromBytes,
  fatBootSectorToBytes,
  fatTypeOf,
} from "./fat-boot-sector.js";
export { type FatFsInfo, fatFsInfoFromBytes, fatFsInfoToBytes } from "./fat-fsinfo.js";
export { type FatFile, fatImage } from "./fat-image.js";
export {
  FAT_ALIGN_BYTES,
  FAT_DEFAULTS,
  FAT_OEM_NAME,
  type FatDirectoryPlan,
  type FatDirectoryRecord,
  type FatFilePlan,
  type FatLayout,
  type FatOptions,
  planFat,
} from "./fat-plan.js";
export { writeFat } from "./fat-writer.js";
export {
  deriveGuid,
  EFI_SYSTEM_PARTITION_TYPE_GUID,
  guidFromBytes,
  guidToBytes,
  isGuid,
  LINUX_FILESYSTEM_TYPE_GUID,
  normalizeGuid,
} from "./gpt-guid.js";
export {
  GPT_HEADER_SIZE_BYTES,
  GPT_REVISION,
  GPT_SIGNATURE,
  type GptHeader,
  gptHeaderCrc32,
  gptHeaderFromBytes,
  gptHeaderToBytes,
  type StoredGptHeader,
} from "./gpt-header.js";
export {
  GPT_PARTITION_ENTRY_SIZE_BYTES,
  type GptPartitionEntry,
  gptPartitionEntryArrayCrc32,
  gptPartitionEntryArrayFromBytes,
  gptPartitionEntryArrayToBytes,
  gptPartitionEntryFromBytes,
  gptPartitionEntryToBytes,
} from "./gpt-partition-entry.js";
export type {
  IsoBootEntryLayout,
  IsoBootLayout,
  IsoContinuationArea,
  IsoDirectoryLayout,
  IsoHierarchyLayout,
  IsoLayout,
  IsoRecordLayout,
  IsoStreamSlot,
} from "./iso-layout.js";
export {
  ISO_APPLICATION_ID,
  ISO_DEFAULTS,
  ISO_PUBLISHER_ID,
  type IsoBootEntry,
  type IsoBootOptions,
  type IsoOptions,
  planIso,
} from "./iso-plan.js";
export {
  type IsoBootImageInfo,
  type IsoBootInfo,
  type IsoImage,
  type IsoPartitionInfo,
  type IsoVolumeInfo,
  READ_ISO_DEFAULTS,
  type ReadIsoOptions,
  readIso,
} from "./iso-reader.js";
export { bytesSource, fileHandleSource, type IsoSource } from "./iso-source.js";
export { ISO_OUTPUT_CHUNK_SIZE, writeIso } from "./iso-writer.js";
export { type PathTableRecord, pathTableFromBytes, pathTableToBytes } from "./path-table.js";
export {
  PE_MACHINE_AARCH64,
  PE_MACHINE_X86_64,
  type PeFileHeader,
  peFileHeaderFromBytes,
  peFileHeaderToBytes,
} from "./pe-file-header.js";
export { isPeImage, type PeHeaders, readPeHeaders } from "./pe-headers.js";
export {
  type PeDataDirectory,
  type PeOptionalHeader,
  peOptionalHeaderFromBytes,
  peOptionalHeaderToBytes,
} from "./pe-optional-header.js";
export {
  type PeSectionHeader,
  peSectionHeaderFromBytes,
  peSectionHeaderToBytes,
} from "./pe-section-header.js";
export {
  type Chs,
  GPT_PROTECTIVE_OS_TYPE,
  lbaToChs,
  type Mbr,
  type MbrPartitionRecord,
  mbrFromBytes,
  mbrPartitionSlotsFromBytes,
  mbrToBytes,
  protectiveMbr,
} from "./protective-mbr.js";
export {
  EFI_REMOVABLE_BOOT_PATH,
  type FatImageFunction,
  RAW_EFI_PARTITION_NAME,
  type RawEfiImage,
  type RawEfiOptions,
  writeRawEfi,
} from "./raw-efi.js";
export {
  type SymlinkComponent,
  type SystemUseEntry,
  systemUseEntriesFromBytes,
  systemUseEntryToBytes,
} from "./system-use-entry.js";
export { assembleUki, UKI_SECTION_ORDER, type UkiOptions, type UkiStreamOptions, writeUki } from "./uki.js";
export {
  type PlannedUkiSection,
  planUki,
  type UkiPlan,
  type UkiSectionSpec,
  ukiStubBytes,
} from "./uki-plan.js";
export {
  type VolumeDescriptor,
  volumeDescriptorFromBytes,
  volumeDescriptorToBytes,
} from "./volume-descriptor.js";
