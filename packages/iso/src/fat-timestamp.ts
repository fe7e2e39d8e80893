/**
 * FAT directory entry dates and times (fatgen103 §6.3): a 16-bit date (bits 15–9 years since 1980,
 * 8–5 month, 4–0 day) and a 16-bit time with 2-second resolution (15–11 hours, 10–5 minutes, 4–0
 * seconds / 2), plus DIR_CrtTimeTenth, the creation time's hundredths of a second (0–199) that carry
 * the odd second. FAT stores local time with no zone; we write UTC, as reproducible builds do.
 * The range is 1980-01-01 to 2107-12-31 23:59:58; times outside it are clamped to its ends.
 */

/** A point in time as a FAT directory entry stores it. */
export interface FatTimestamp {
  /** The DOS date (0 is not a valid date: day and month start at 1). */
  readonly date: number;
  /** The DOS time, in 2-second units. */
  readonly time: number;
  /** DIR_CrtTimeTenth: hundredths of a second on top of `time`, 0–199. */
  readonly hundredths: number;
}

const FIRST_SECONDS = Date.UTC(1980, 0, 1) / 1000;
const LAST_SECONDS = Date.UTC(2107, 11, 31, 23, 59, 58) / 1000;

/** The FAT timestamp of `seconds` since the epoch, in UTC (clamped to FAT's range). */
export function fatTimestampOf(seconds: number): FatTimestamp {
  const clamped = Math.min(Math.max(seconds, FIRST_SECONDS), LAST_SECONDS + 1.99);
  const whole = Math.floor(clamped);
  const at = new Date(whole * 1000);
  const date = ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate();
  const time = (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1);
  // Rounded, not truncated: a fraction such as 0.99 is 0.98999… in binary (worse at 2^32 seconds).
  const hundredths = (at.getUTCSeconds() % 2) * 100 + Math.min(99, Math.round((clamped - whole) * 100));
  return { date, time, hundredths };
}

/** Seconds since the epoch (UTC) of a FAT date and time, plus hundredths when given. */
export function secondsOfFatTimestamp(timestamp: FatTimestamp): number {
  const { date, time, hundredths } = timestamp;
  const utc = Date.UTC(
    (date >> 9) + 1980,
    ((date >> 5) & 0x0f) - 1,
    date & 0x1f,
    time >> 11,
    (time >> 5) & 0x3f,
    (time & 0x1f) * 2,
  );
  return utc / 1000 + hundredths / 100;
}
