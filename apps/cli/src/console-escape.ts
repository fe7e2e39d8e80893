/**
 * The escape keys of `ocikit run`'s console, as qemu's `-nographic` has them: the terminal is in raw
 * mode, so every key goes to the guest, Ctrl-C included; Ctrl-A followed by a key talks to ocikit.
 *
 * | keys           | does                                                              |
 * |----------------|-------------------------------------------------------------------|
 * | Ctrl-A x       | stop the VM at once (as qemu's Ctrl-A x)                          |
 * | Ctrl-A p       | ask the guest to power off (ACPI power button), kill it if it won't |
 * | Ctrl-A h, ?    | print this help                                                   |
 * | Ctrl-A Ctrl-A  | send one Ctrl-A to the guest                                      |
 *
 * Any other key after Ctrl-A is dropped, as qemu does.
 */

/** What a key sequence asks ocikit to do. */
export type ConsoleCommand = "quit" | "powerdown" | "help";

const CTRL_A = 0x01;
const COMMANDS: Readonly<Record<string, ConsoleCommand>> = {
  x: "quit",
  p: "powerdown",
  h: "help",
  "?": "help",
};

/** The help `Ctrl-A h` prints (lines end with CRLF: the terminal is raw). */
export const CONSOLE_ESCAPE_HELP = [
  "ocikit console keys:",
  "  Ctrl-A x       stop the VM at once",
  "  Ctrl-A p       power the guest off (ACPI), kill it if it does not stop",
  "  Ctrl-A h       this help",
  "  Ctrl-A Ctrl-A  send Ctrl-A to the guest",
  "",
].join("\r\n");

/**
 * Splits what is typed into bytes for the guest and commands for ocikit. Keeps one byte of state
 * (a Ctrl-A waiting for its key), so a sequence may be split across reads.
 * @example
 * ```ts
 * const keys = createConsoleEscape();
 * const { toGuest, commands } = keys.feed(Buffer.from("ls\r\x01x"));
 * ```
 */
export function createConsoleEscape(): {
  feed(input: Uint8Array): { toGuest: Uint8Array; commands: ConsoleCommand[] };
} {
  let pending = false;
  return {
    feed(input) {
      const out: number[] = [];
      const commands: ConsoleCommand[] = [];
      for (const byte of input) {
        if (pending) {
          pending = false;
          if (byte === CTRL_A) out.push(CTRL_A);
          else {
            const command = COMMANDS[String.fromCharCode(byte).toLowerCase()];
            if (command) commands.push(command);
          }
        } else if (byte === CTRL_A) pending = true;
        else out.push(byte);
      }
      return { toGuest: Uint8Array.from(out), commands };
    },
  };
}
