/**
 * `IsoLayout`, what `planIso` decides and `writeIso` follows: every sector of the image, every
 * directory record with its system use entries, and, per entry of the stream, where its body goes.
 * Plain data (the isohybrid MBR template aside), so a plan can be inspected, logged or compared.
 */
import type { FsEntryType } from "@ocikit/fs";
import type { SystemUseEntry } from "./system-use-entry.js";

/** The whole plan of one image. */
export interface IsoLayout {
  readonly volumeId: string;
  /** Seconds since the epoch: volume dates and every directory record's date. */
  readonly recordedAtSeconds: number;
  readonly rockRidge: boolean;
  readonly joliet: boolean;
  /** The volume's size in 2048-byte sectors (with isohybrid's padding); the image is this × 2048 bytes. */
  readonly volumeSpaceSectors: number;
  readonly primaryVolumeDescriptorLba: number;
  readonly bootRecordLba?: number;
  readonly jolietVolumeDescriptorLba?: number;
  readonly terminatorLba: number;
  readonly primary: IsoHierarchyLayout;
  readonly jolietHierarchy?: IsoHierarchyLayout;
  /** SUSP continuation areas, in order of their place. */
  readonly continuationAreas: readonly IsoContinuationArea[];
  readonly boot?: IsoBootLayout;
  /** The first sector of file data; bodies follow in stream order, each from a sector boundary. */
  readonly dataLba: number;
  /** One per header given to `planIso`, in order: what to do with that entry's body. */
  readonly slots: readonly IsoStreamSlot[];
}

/** One directory hierarchy (primary or Joliet) and its path tables. */
export interface IsoHierarchyLayout {
  /** How identifiers are recorded: ISO 9660 d-characters, or Joliet's UCS-2 big-endian. */
  readonly encoding: "d-characters" | "ucs-2";
  readonly pathTableBytes: number;
  readonly lPathTableLba: number;
  readonly mPathTableLba: number;
  /** In path table order: directory number n is `directories[n - 1]`. */
  readonly directories: readonly IsoDirectoryLayout[];
}

export interface IsoDirectoryLayout {
  /** The real path (`.` for the root), or `.rr_moved`. */
  readonly path: string;
  /** The identifier in its parent ("\u0000" for the root). */
  readonly identifier: string;
  readonly parentNumber: number;
  readonly lba: number;
  readonly sectors: number;
  /** ".", "..", then the children in ECMA-119 §9.3 order. */
  readonly records: readonly IsoRecordLayout[];
}

/** One directory record and where it goes in its directory's extent. */
export interface IsoRecordLayout {
  /** "\u0000" for ".", "\u0001" for "..", else the identifier (encoded per the hierarchy). */
  readonly identifier: string;
  /** Byte offset in the directory's extent. */
  readonly offset: number;
  readonly extentLba: number;
  readonly dataLength: number;
  readonly isDirectory: boolean;
  /** The entries in the record itself (ending with CE when the rest is in a continuation area). */
  readonly systemUse: readonly SystemUseEntry[];
}

export interface IsoContinuationArea {
  readonly lba: number;
  readonly offset: number;
  readonly entries: readonly SystemUseEntry[];
}

export interface IsoBootLayout {
  readonly catalogLba: number;
  readonly catalogPath: string;
  readonly entries: readonly IsoBootEntryLayout[];
  readonly isohybrid?: {
    readonly mbrTemplate: Uint8Array;
    /** The BIOS boot image's sector, recorded in the MBR. */
    readonly bootImageLba: number;
    readonly efi?: { readonly lba: number; readonly sectors512: number };
    readonly diskSignature: number;
  };
}

export interface IsoBootEntryLayout {
  readonly platform: "bios" | "efi";
  readonly path: string;
  readonly lba: number;
  readonly sizeBytes: number;
  /** 512-byte sectors: loaded by the BIOS, or the EFI image's size (0 beyond 65535). */
  readonly sectorCount: number;
  readonly bootInfoTable: boolean;
}

/** What the writer does with one entry of the stream. */
export interface IsoStreamSlot {
  readonly path: string;
  readonly type: FsEntryType;
  readonly size: number;
  /** Where the body goes; absent when nothing is written (not a file, empty, or replaced later). */
  readonly dataLba?: number;
  /** Patch the boot information table into this body (it is buffered whole). */
  readonly bootInfoTable?: boolean;
  /** Check isolinux.bin's isohybrid signature in this body. */
  readonly isohybridBootImage?: boolean;
}
