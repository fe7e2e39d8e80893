/**
 * The FAT32 FSInfo sector (fatgen103 §5): at BPB_FSInfo (sector 1), with a copy after the backup
 * boot sector (sector 7). It caches the free cluster count and a hint where to look for free clusters,
 * so a driver need not scan the FAT on mount. Both are only hints (0xFFFFFFFF: unknown), but
 * fsck.fat reports a wrong free count, so we write exact values.
 */
import { IsoError } from "./errors.js";
import { FAT_SECTOR_BYTES } from "./fat-boot-sector.js";

/** FSI_LeadSig, FSI_StrucSig and FSI_TrailSig. */
const LEAD_SIGNATURE = 0x4161_5252;
const STRUCT_SIGNATURE = 0x6141_7272;
const TRAIL_SIGNATURE = 0xaa55_0000;

/** The two fields of FSInfo that carry information. */
export interface FatFsInfo {
  /** FSI_Free_Count: free clusters on the volume, or 0xFFFFFFFF when unknown. */
  readonly freeClusterCount: number;
  /** FSI_Nxt_Free: the cluster a driver should start searching free ones from, or 0xFFFFFFFF. */
  readonly nextFreeCluster: number;
}

/** The 512-byte FSInfo sector. */
export function fatFsInfoToBytes(info: FatFsInfo): Uint8Array {
  const sector = new Uint8Array(FAT_SECTOR_BYTES);
  const view = new DataView(sector.buffer);
  view.setUint32(0, LEAD_SIGNATURE, true);
  // 4 … 483: FSI_Reserved1, zero.
  view.setUint32(484, STRUCT_SIGNATURE, true);
  view.setUint32(488, info.freeClusterCount >>> 0, true);
  view.setUint32(492, info.nextFreeCluster >>> 0, true);
  // 496 … 507: FSI_Reserved2, zero.
  view.setUint32(508, TRAIL_SIGNATURE, true);
  return sector;
}

/**
 * The fields of the FSInfo sector in `sector`.
 * @throws {IsoError} ISO_BAD_OPTION when one of its three signatures is wrong
 */
export function fatFsInfoFromBytes(sector: Uint8Array): FatFsInfo {
  const view = new DataView(sector.buffer, sector.byteOffset, sector.byteLength);
  if (
    sector.length < FAT_SECTOR_BYTES ||
    view.getUint32(0, true) !== LEAD_SIGNATURE ||
    view.getUint32(484, true) !== STRUCT_SIGNATURE ||
    view.getUint32(508, true) !== TRAIL_SIGNATURE
  )
    throw new IsoError("ISO_BAD_OPTION", "FAT32 FSInfo sector: a signature is wrong; not an FSInfo sector");
  return { freeClusterCount: view.getUint32(488, true), nextFreeCluster: view.getUint32(492, true) };
}
