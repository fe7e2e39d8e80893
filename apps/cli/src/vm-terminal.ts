/**
 * Attaches a running VM's serial console to the CLI's standard streams, as `linuxkit run qemu` does
 * with `-nographic`: what the guest prints goes to standard output, what is typed goes to the guest.
 * On a terminal, standard input is switched to raw mode (every key, Ctrl-C included, reaches the
 * guest) and Ctrl-A starts an escape (console-escape.ts: Ctrl-A x stops the VM, Ctrl-A p powers it
 * off, Ctrl-A h helps). Piped input is passed to the guest as it is.
 */
import type { RunningVm } from "@ocikit/hypervisor";
import type { CliIo } from "./cli-io.js";
import { CONSOLE_ESCAPE_HELP, type ConsoleCommand, createConsoleEscape } from "./console-escape.js";

/** How long Ctrl-A p gives the guest to power off before it is killed. */
const POWERDOWN_GRACE_MS = 20_000;

/**
 * Copies the console to `io.stdout` and `io.stdin` to the guest until the VM ends; then puts the
 * terminal back and stops reading. Resolves when the VM has ended, saying whether the user ended it
 * from the console (Ctrl-A x or Ctrl-A p).
 */
export async function attachConsole(vm: RunningVm, io: CliIo): Promise<{ endedByUser: boolean }> {
  const unsubscribe = vm.console.subscribe((chunk) => io.stdout.write(chunk), { replay: true });
  const terminal = io.terminal;
  terminal?.setRawMode(true);
  const input = io.stdin[Symbol.asyncIterator]();
  let ended = false;
  let endedByUser = false;
  const run = (command: ConsoleCommand) => {
    if (command === "help") {
      io.stderr.write(`\r\n${CONSOLE_ESCAPE_HELP}`);
      return;
    }
    endedByUser = true;
    if (command === "quit") void vm.kill();
    else void vm.stop({ graceMs: POWERDOWN_GRACE_MS });
  };
  const pump = (async () => {
    const keys = createConsoleEscape();
    for (let next = await input.next(); !next.done && !ended; next = await input.next()) {
      const bytes = typeof next.value === "string" ? Buffer.from(next.value) : next.value;
      if (!terminal) {
        vm.console.write(bytes);
        continue;
      }
      const { toGuest, commands } = keys.feed(bytes);
      if (toGuest.length > 0) vm.console.write(toGuest);
      for (const command of commands) run(command);
    }
  })().catch(() => {
    // Standard input closing or failing only ends typing; the VM runs on.
  });
  try {
    await vm.ended;
  } finally {
    ended = true;
    unsubscribe();
    terminal?.setRawMode(false);
    // A pending read would keep the process alive: end the input (a terminal's stream is paused again).
    void input.return?.();
    void pump;
  }
  return { endedByUser };
}
