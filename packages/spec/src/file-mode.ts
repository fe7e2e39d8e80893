/** Octal permission strings such as `"0644"`, as `files` entries and `devices` write them. */
import { fail, ok, type Parsed } from "./result.js";

/** Parses an octal mode string into permission bits (at most 07777). */
export function parseOctalMode(text: string): Parsed<number> {
  if (!/^[0-7]+$/.test(text)) {
    return fail(`cannot parse mode "${text}" as an octal number; write it in octal digits, like "0644"`);
  }
  const mode = Number.parseInt(text, 8);
  if (mode > 0o7777) {
    return fail(
      `mode "${text}" has bits beyond 07777; give only permission bits (with setuid/setgid/sticky), like "0644"`,
    );
  }
  return ok(mode);
}
