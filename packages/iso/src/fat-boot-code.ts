/**
 * The x86 real-mode code in a FAT boot sector (fatgen103 §3.1: BS_jmpBoot jumps over the BPB to it).
 * Our images are EFI system partitions: firmware reads them as file systems and never runs this code.
 * A BIOS that boots one anyway gets a one-line message on the screen (INT 10h teletype) and a halted
 * CPU, instead of jumping into zeros. Hand-assembled here; `fat-boot-code.oracle.test.ts` checks it
 * with objdump and by booting it under qemu with sgabios mirroring the screen to the serial port.
 */
import { assert } from "@ocikit/errors";

/** What a BIOS that boots a FAT image of ours prints before halting. */
export const FAT_BOOT_MESSAGE = "ocikit: this is an EFI system partition, not a BIOS boot disk\r\n";

/** Where the BIOS loads a boot sector (0000:7C00). */
const LOAD_ADDRESS = 0x7c00;
/** Offset of the message from the start of the code: the length of the instructions below. */
const MESSAGE_OFFSET = 33;

/**
 * BS_jmpBoot plus the code for a boot sector whose BPB ends at `codeOffset` (0x3E for FAT12/16, 0x5A
 * for FAT32): returns the 3-byte jump (EB xx 90, the form fatgen103 recommends) and the code to place
 * at `codeOffset`, message included.
 */
export function fatBootCode(codeOffset: number): { jmpBoot: Uint8Array; code: Uint8Array } {
  const messageAddress = LOAD_ADDRESS + codeOffset + MESSAGE_OFFSET;
  // biome-ignore format: one instruction per line
  const instructions = [
    0xfa,                   // cli
    0x31, 0xc0,             // xor ax, ax
    0x8e, 0xd8,             // mov ds, ax
    0x8e, 0xd0,             // mov ss, ax
    0xbc, 0x00, 0x7c,       // mov sp, 0x7c00: the stack grows down from the boot sector
    0xfb,                   // sti
    0xfc,                   // cld
    0xbe, messageAddress & 0xff, messageAddress >> 8, // mov si, message
    0xac,                   // next: lodsb
    0x84, 0xc0,             // test al, al
    0x74, 0x09,             // jz halt
    0xb4, 0x0e,             // mov ah, 0x0e (teletype output)
    0xbb, 0x07, 0x00,       // mov bx, 0x0007 (page 0, light grey)
    0xcd, 0x10,             // int 0x10
    0xeb, 0xf2,             // jmp next
    0xfa,                   // halt: cli
    0xf4,                   // hlt
    0xeb, 0xfd,             // jmp hlt (an NMI wakes hlt)
  ];
  assert(instructions.length === MESSAGE_OFFSET, "fat-boot-code: MESSAGE_OFFSET is not the code's length");
  const message = new TextEncoder().encode(FAT_BOOT_MESSAGE);
  const code = new Uint8Array(instructions.length + message.length + 1);
  code.set(instructions, 0);
  code.set(message, instructions.length);
  return { jmpBoot: Uint8Array.of(0xeb, codeOffset - 2, 0x90), code };
}
