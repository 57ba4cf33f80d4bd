/**
 * Wall-clock arithmetic in IANA time zones with nothing but `Intl` (no dependencies).
 *
 * An instant is a `Date` or an ISO 8601 date-time string that carries its offset (`Z` or
 * `±hh:mm`), as FHIR `instant`s do; a local date is `YYYY-MM-DD` in some time zone.
 */
export type Instant = Date | string;

/** A calendar date and wall-clock time in some time zone (month 1–12). */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly millisecond: number;
}

const DATE_TIME_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Milliseconds since the epoch; a string must be a date-time with an offset (a bare date is ambiguous). */
export function toEpochMillis(instant: Instant): number {
  if (instant instanceof Date) {
    const ms = instant.getTime();
    if (Number.isNaN(ms)) throw new RangeError('Invalid Date');
    return ms;
  }
  if (!DATE_TIME_WITH_OFFSET.test(instant)) {
    throw new RangeError(`"${instant}" is not a date-time with a time zone offset`);
  }
  const ms = Date.parse(instant);
  if (Number.isNaN(ms)) throw new RangeError(`"${instant}" is not a valid date-time`);
  return ms;
}

/** Formatters are costly to build and immutable: memoised per zone. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError for an unknown zone, which is what callers should see.
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Whether `timeZone` is an IANA zone name this runtime knows. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock `formatToParts` reads in `timeZone` at `ms` (exact, and the costly part: ~5 µs). */
function formattedWallClock(ms: number, timeZone: string): WallClock {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

function wallAsUtcMillis(wall: WallClock): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
}

/**
 * Zone offsets (ms) of 15-minute UTC windows, memoised per zone: a window whose two ends have the
 * same offset has it throughout (no zone changes its offset twice within 15 minutes), so a wall
 * clock in it is UTC arithmetic. A window with a transition in it is never memoised.
 */
const WINDOW_MS = 15 * MINUTE_MS;
const MAX_MEMOISED_WINDOWS = 4096;
const windowOffsets = new Map<string, number | null>();

function windowOffsetMillis(ms: number, timeZone: string): number | undefined {
  const window = Math.floor(ms / WINDOW_MS);
  const key = `${timeZone}|${window}`;
  const known = windowOffsets.get(key);
  if (known !== undefined) return known ?? undefined;
  const start = window * WINDOW_MS;
  const end = start + WINDOW_MS - 1;
  const atStart = wallAsUtcMillis(formattedWallClock(start, timeZone)) - start;
  const atEnd = wallAsUtcMillis(formattedWallClock(end, timeZone)) - end;
  if (windowOffsets.size >= MAX_MEMOISED_WINDOWS) windowOffsets.clear();
  windowOffsets.set(key, atStart === atEnd ? atStart : null);
  return atStart === atEnd ? atStart : undefined;
}

/** The wall clock in `timeZone` at `instant`. */
export function wallClockAt(instant: Instant, timeZone: string): WallClock {
  const ms = toEpochMillis(instant);
  const offset = windowOffsetMillis(ms, timeZone);
  if (offset === undefined) return formattedWallClock(ms, timeZone);
  const local = new Date(ms + offset);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
    millisecond: ((ms % 1000) + 1000) % 1000,
  };
}

/** The zone's offset from UTC at `instant`, in minutes (New York in winter: -300). */
export function offsetMinutesAt(instant: Instant, timeZone: string): number {
  const ms = toEpochMillis(instant);
  const wall = wallClockAt(new Date(ms), timeZone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  return Math.round((wallAsUtc - ms) / MINUTE_MS);
}

/**
 * The instant at which the wall clock in `timeZone` shows `wall`. A time skipped by a
 * spring-forward gap is read with the offset before the gap (02:30 on the day New York springs
 * forward becomes 03:30 EDT); a time repeated by a fall-back overlap resolves to its first
 * occurrence. (These are the rules of Temporal's `disambiguation: 'compatible'`.)
 */
export function instantOfWallClock(wall: WallClock, timeZone: string): Date {
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
  const offsetBefore = offsetMinutesAt(new Date(wallAsUtc - DAY_MS), timeZone);
  const offsetAfter = offsetMinutesAt(new Date(wallAsUtc + DAY_MS), timeZone);
  const candidates = [offsetBefore, offsetAfter]
    .map((offset) => wallAsUtc - offset * MINUTE_MS)
    .filter((ms) => sameWall(wallClockAt(new Date(ms), timeZone), wall))
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(candidates[0]);
  return new Date(wallAsUtc - offsetBefore * MINUTE_MS);
}

function sameWall(a: WallClock, b: WallClock): boolean {
  return (
    a.year === b.year &&
    a.month === b.month &&
    a.day === b.day &&
    a.hour === b.hour &&
    a.minute === b.minute &&
    a.second === b.second
  );
}

/** The local date (`YYYY-MM-DD`) in `timeZone` at `instant`. */
export function localDateAt(instant: Instant, timeZone: string): string {
  const wall = wallClockAt(instant, timeZone);
  return formatLocalDate(wall.year, wall.month, wall.day);
}

/** `YYYY-MM-DD` from its parts (month 1–12). */
export function formatLocalDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Parses `YYYY-MM-DD` into its parts; throws RangeError if it is not a real calendar date. */
export function parseLocalDate(date: string): { year: number; month: number; day: number } {
  const match = LOCAL_DATE.exec(date);
  if (!match) throw new RangeError(`"${date}" is not a YYYY-MM-DD date`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw new RangeError(`"${date}" is not a calendar date`);
  }
  return { year, month, day };
}

/** The local date `days` calendar days after `date` (negative goes back). */
export function shiftLocalDate(date: string, days: number): string {
  const { year, month, day } = parseLocalDate(date);
  const shifted = new Date(Date.UTC(year, month - 1, day + days));
  return formatLocalDate(shifted.getUTCFullYear(), shifted.getUTCMonth() + 1, shifted.getUTCDate());
}

/** Day of the week of a local date: 0 = Sunday … 6 = Saturday. */
export function dayOfWeek(date: string): number {
  const { year, month, day } = parseLocalDate(date);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

/**
 * `instant` written as a FHIR instant in `timeZone`'s local time with its offset, to the
 * millisecond: `2026-12-01T23:59:59.999-05:00`. Same instant as the input, readable locally.
 */
export function formatInstant(instant: Instant, timeZone: string): string {
  const ms = toEpochMillis(instant);
  const wall = wallClockAt(new Date(ms), timeZone);
  const offset = offsetMinutesAt(new Date(ms), timeZone);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const zone = `${sign}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
  return (
    `${formatLocalDate(wall.year, wall.month, wall.day)}T${pad(wall.hour, 2)}:${pad(wall.minute, 2)}:` +
    `${pad(wall.second, 2)}.${pad(wall.millisecond, 3)}${zone}`
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
