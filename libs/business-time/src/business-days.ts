import { BusinessCalendar, isBusinessDate } from './calendar';
import {
  Instant,
  instantOfWallClock,
  localDateAt,
  parseLocalDate,
  shiftLocalDate,
  toEpochMillis,
  wallClockAt,
} from './time-zone';

const HOUR_MS = 3_600_000;
/** No real calendar has a year without a business day; this only stops a broken one looping. */
const MAX_SCAN_DAYS = 366 * 2;

/** `hours` elapsed hours after `instant` (a DST change does not alter the count). */
export function addHours(instant: Instant, hours: number): Date {
  if (!Number.isFinite(hours)) throw new RangeError(`hours must be finite, got ${hours}`);
  return new Date(toEpochMillis(instant) + hours * HOUR_MS);
}

/**
 * `days` calendar days after `instant` at the same wall-clock time in `timeZone` (negative goes
 * back). Across a DST change the elapsed time is 23 or 25 hours; a wall-clock time that does not
 * exist on the target day (spring-forward gap) moves forward by the gap.
 */
export function addDays(instant: Instant, days: number, timeZone: string): Date {
  if (!Number.isInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  const wall = wallClockAt(instant, timeZone);
  const target = parseLocalDate(shiftLocalDate(localDateAt(instant, timeZone), days));
  return instantOfWallClock({ ...wall, ...target }, timeZone);
}

/** The first instant of `date` (`YYYY-MM-DD`) in `timeZone` (usually 00:00). */
export function startOfLocalDate(date: string, timeZone: string): Date {
  const { year, month, day } = parseLocalDate(date);
  return instantOfWallClock({ year, month, day, hour: 0, minute: 0, second: 0, millisecond: 0 }, timeZone);
}

/** The last millisecond of `date` (`YYYY-MM-DD`) in `timeZone` (23:59:59.999 local). */
export function endOfLocalDate(date: string, timeZone: string): Date {
  return new Date(startOfLocalDate(shiftLocalDate(date, 1), timeZone).getTime() - 1);
}

/** The first instant of the local day that contains `instant`. */
export function startOfDay(instant: Instant, timeZone: string): Date {
  return startOfLocalDate(localDateAt(instant, timeZone), timeZone);
}

/** The last millisecond of the local day that contains `instant`. */
export function endOfDay(instant: Instant, timeZone: string): Date {
  return endOfLocalDate(localDateAt(instant, timeZone), timeZone);
}

/** Whether the local day of `instant` in `timeZone` is a business day under `calendar`. */
export function isBusinessDay(instant: Instant, calendar: BusinessCalendar, timeZone: string): boolean {
  return isBusinessDate(localDateAt(instant, timeZone), calendar);
}

/** The first business date strictly after `date`. */
export function nextBusinessDate(date: string, calendar: BusinessCalendar): string {
  let candidate = date;
  for (let i = 0; i < MAX_SCAN_DAYS; i++) {
    candidate = shiftLocalDate(candidate, 1);
    if (isBusinessDate(candidate, calendar)) return candidate;
  }
  throw new RangeError(`calendar ${calendar.id} has no business day within ${MAX_SCAN_DAYS} days after ${date}`);
}

/**
 * The local date of the `n`-th business day after the local day of `instant`, counting only
 * days after it: from a Friday, 1 is the next Monday (if that is not a holiday). With `n` = 0,
 * the day itself if it is a business day, otherwise the next business day.
 */
export function addBusinessDates(instant: Instant, n: number, calendar: BusinessCalendar, timeZone: string): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`business days must be a non-negative integer, got ${n}`);
  let date = localDateAt(instant, timeZone);
  if (n === 0) return isBusinessDate(date, calendar) ? date : nextBusinessDate(date, calendar);
  for (let i = 0; i < n; i++) date = nextBusinessDate(date, calendar);
  return date;
}

/**
 * The deadline "within `n` business days" of `instant`: the **end** (23:59:59.999 local) of the
 * `n`-th business day after the local day of `instant`. The time of day of `instant` does not
 * matter: a discharge on Friday at 16:00 with n = 2 is due at the end of Tuesday (Monday being
 * the first business day), and a Monday-morning discharge at the end of Wednesday. Weekends
 * and the calendar's observed holidays are skipped; the day of `instant` itself never counts
 * when n ≥ 1, whether or not it is a business day.
 */
export function addBusinessDays(instant: Instant, n: number, calendar: BusinessCalendar, timeZone: string): Date {
  return endOfLocalDate(addBusinessDates(instant, n, calendar, timeZone), timeZone);
}
