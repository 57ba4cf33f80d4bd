import { instantOfWallClock, isValidTimeZone, offsetMinutesAt } from '@liaison/business-time';

/**
 * HL7 v2 dates and times (DT, TM, TS/DTM): `YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]`,
 * read without losing the offset the sender wrote, and written as FHIR `date`, `dateTime` and
 * `instant`.
 *
 * Lenient where real feeds are sloppy: more than 14 digits before any fraction (milliseconds
 * without the decimal point, `20110613122406637`) are truncated to seconds (`truncated` says
 * so). Strict where it matters: a month 13 or a 30 February is not a date.
 */
export interface Hl7Timestamp {
  readonly year: number;
  readonly month?: number;
  readonly day?: number;
  readonly hour?: number;
  readonly minute?: number;
  readonly second?: number;
  /** Fractional seconds as written (`4` in `…43.4`). */
  readonly fraction?: string;
  /** The offset as written, in FHIR form (`+07:00`). */
  readonly offset?: string;
  /** True when digits beyond seconds were dropped. */
  readonly truncated: boolean;
}

const TIMESTAMP = /^(\d+)(?:\.(\d{1,4}))?(?:([+-])(\d{2}):?(\d{2}))?$/;

/** Parses an HL7 date/time; `undefined` when it is not one. */
export function parseHl7Timestamp(text: string): Hl7Timestamp | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (!match) return undefined;
  const [, digitsWritten, fraction, sign, offsetHours, offsetMinutes] = match;
  const truncated = digitsWritten.length > 14;
  const digits = truncated ? digitsWritten.slice(0, 14) : digitsWritten;
  if (![4, 6, 8, 10, 12, 14].includes(digits.length)) return undefined;
  if (fraction !== undefined && digits.length !== 14) return undefined;
  const part = (from: number): number | undefined => (digits.length > from ? Number(digits.slice(from, from + 2)) : undefined);
  const timestamp: Hl7Timestamp = {
    year: Number(digits.slice(0, 4)),
    month: part(4),
    day: part(6),
    hour: part(8),
    minute: part(10),
    second: part(12),
    ...(fraction !== undefined && !truncated && { fraction }),
    ...(sign && { offset: `${sign}${offsetHours}:${offsetMinutes}` }),
    truncated,
  };
  return isValid(timestamp) ? timestamp : undefined;
}

function isValid(t: Hl7Timestamp): boolean {
  if (t.month !== undefined && (t.month < 1 || t.month > 12)) return false;
  if (t.day !== undefined && (t.day < 1 || t.day > daysInMonth(t.year, t.month ?? 1))) return false;
  if (t.hour !== undefined && t.hour > 23) return false;
  if (t.minute !== undefined && t.minute > 59) return false;
  if (t.second !== undefined && t.second > 59) return false;
  if (t.offset) {
    const hours = Number(t.offset.slice(1, 3));
    const minutes = Number(t.offset.slice(4, 6));
    if (hours > 14 || minutes > 59) return false;
  }
  return true;
}

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
}

/** The calendar date as written, at the precision written: `1961`, `1961-06`, `1961-06-15`. */
export function toFhirDate(t: Hl7Timestamp): string {
  let text = pad(t.year, 4);
  if (t.month !== undefined) text += `-${pad(t.month, 2)}`;
  if (t.day !== undefined) text += `-${pad(t.day, 2)}`;
  return text;
}

/**
 * A FHIR `dateTime`: a date alone when no time was written, otherwise the time to the second
 * with an offset. The offset is the one written, else `zone`'s: a fixed offset (`+01:00`,
 * `Z`) or an IANA time zone (`America/New_York`, whose offset at that wall-clock time is used).
 */
export function toFhirDateTime(t: Hl7Timestamp, zone: string): string {
  if (t.hour === undefined || t.day === undefined) return toFhirDate(t);
  return toFhirInstant(t, zone);
}

/** A FHIR `instant`: always a full date and time with an offset; missing parts are zero (or the 1st). */
export function toFhirInstant(t: Hl7Timestamp, zone: string): string {
  const date = `${pad(t.year, 4)}-${pad(t.month ?? 1, 2)}-${pad(t.day ?? 1, 2)}`;
  const time = `${pad(t.hour ?? 0, 2)}:${pad(t.minute ?? 0, 2)}:${pad(t.second ?? 0, 2)}${t.fraction ? `.${t.fraction}` : ''}`;
  return `${date}T${time}${t.offset ?? offsetIn(zone, t)}`;
}

/** Whether `zone` is usable for {@link toFhirDateTime}: `Z`, `±hh:mm`, or an IANA zone this runtime knows. */
export function isTimeZoneOrOffset(zone: string): boolean {
  return zone === 'Z' || /^[+-]\d{2}:\d{2}$/.test(zone) || isValidTimeZone(zone);
}

function offsetIn(zone: string, t: Hl7Timestamp): string {
  if (zone === 'Z' || /^[+-]\d{2}:\d{2}$/.test(zone)) return zone;
  const wall = {
    year: t.year,
    month: t.month ?? 1,
    day: t.day ?? 1,
    hour: t.hour ?? 0,
    minute: t.minute ?? 0,
    second: t.second ?? 0,
    millisecond: 0,
  };
  const minutes = offsetMinutesAt(instantOfWallClock(wall, zone), zone);
  if (minutes === 0) return 'Z';
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60), 2)}:${pad(abs % 60, 2)}`;
}

/** An instant written the HL7 way with its offset: `20260301120000+0100` (for an ACK's MSH-7). */
export function formatHl7Timestamp(instant: Date, offsetMinutes = 0): string {
  const local = new Date(instant.getTime() + offsetMinutes * 60_000);
  const abs = Math.abs(offsetMinutes);
  return (
    pad(local.getUTCFullYear(), 4) +
    pad(local.getUTCMonth() + 1, 2) +
    pad(local.getUTCDate(), 2) +
    pad(local.getUTCHours(), 2) +
    pad(local.getUTCMinutes(), 2) +
    pad(local.getUTCSeconds(), 2) +
    (offsetMinutes < 0 ? '-' : '+') +
    pad(Math.floor(abs / 60), 2) +
    pad(abs % 60, 2)
  );
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
