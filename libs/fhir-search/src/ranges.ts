/**
 * Dates and numbers as ranges by precision, and the FHIR search prefixes as conditions on them
 * (R4 search §3.1.1.4.5 and §3.1.1.5.3): `2024-03` means all of March 2024, `100` means
 * [99.5, 100.5). Times are epoch milliseconds; a range is half-open [low, high).
 */

export const SEARCH_PREFIXES = ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const;
export type SearchPrefix = (typeof SEARCH_PREFIXES)[number];

/** [low, high) in epoch milliseconds; an open end is ±Infinity. */
export interface DateRange {
  readonly low: number;
  readonly high: number;
}

/** A condition on the columns of one index row, rendered to SQL by the store. */
export type RangeCondition =
  | { readonly all: readonly RangeCondition[] }
  | { readonly any: readonly RangeCondition[] }
  | { readonly not: RangeCondition }
  | { readonly column: 'low' | 'high' | 'value'; readonly op: '<' | '<=' | '>' | '>='; readonly value: number };

const DATE_SHAPE =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Date.UTC without its "years 0–99 mean 1900–1999" rule. */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

function offsetMinutes(zone: string | undefined): number {
  if (!zone || zone === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number);
  return sign * (hours * 60 + minutes);
}

/**
 * The range a FHIR date, dateTime or instant (or a date search value, which may stop at minutes)
 * covers: `2024` → the whole year, `2024-03-05T10:15` → that minute, `…:05.123Z` → that
 * millisecond. A value without a zone is read as UTC. Undefined when it is not a valid date.
 */
export function parseDateRange(value: string): DateRange | undefined {
  const match = DATE_SHAPE.exec(value.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction, zone] = match;
  const year = Number(y);
  const month = mo === undefined ? 1 : Number(mo);
  const day = d === undefined ? 1 : Number(d);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (h !== undefined && (Number(h) > 23 || Number(mi) > 59 || (s !== undefined && Number(s) > 59))) return undefined;
  if (zone && zone !== 'Z' && (Number(zone.slice(1, 3)) > 14 || Number(zone.slice(4)) > 59)) return undefined;

  if (mo === undefined) return { low: utc(year, 1, 1), high: utc(year + 1, 1, 1) };
  if (d === undefined) return { low: utc(year, month, 1), high: utc(year, month + 1, 1) };
  if (h === undefined) return { low: utc(year, month, day), high: utc(year, month, day + 1) };

  const shift = offsetMinutes(zone) * 60_000;
  if (s === undefined) {
    const low = utc(year, month, day, Number(h), Number(mi)) - shift;
    return { low, high: low + 60_000 };
  }
  const ms = fraction === undefined ? 0 : Number(fraction.slice(0, 3).padEnd(3, '0'));
  const low = utc(year, month, day, Number(h), Number(mi), Number(s), ms) - shift;
  const width = fraction === undefined ? 1000 : fraction.length >= 3 ? 1 : 10 ** (3 - fraction.length);
  return { low, high: low + width };
}

/** A Period's range: an absent start is open below, an absent end open above. */
export function periodRange(start: string | undefined, end: string | undefined): DateRange | undefined {
  const from = start === undefined ? undefined : parseDateRange(start);
  const to = end === undefined ? undefined : parseDateRange(end);
  if ((start !== undefined && !from) || (end !== undefined && !to) || (!from && !to)) return undefined;
  return { low: from?.low ?? -Infinity, high: to?.high ?? Infinity };
}

const col = (column: 'low' | 'high' | 'value', op: '<' | '<=' | '>' | '>=', value: number): RangeCondition => ({
  column,
  op,
  value,
});

/**
 * The condition a stored range [low, high) must meet for `prefix` + the search range `search`:
 * eq — the search range contains the stored one; gt/lt — the stored range reaches beyond it;
 * ge/le — either; sa/eb — starts after / ends before it; ap — overlaps it widened by 10% of its
 * distance from `now`.
 */
export function dateCondition(prefix: SearchPrefix, search: DateRange, now: number): RangeCondition {
  const within: RangeCondition = { all: [col('low', '>=', search.low), col('high', '<=', search.high)] };
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return { not: within };
    case 'gt':
      return col('high', '>', search.high);
    case 'lt':
      return col('low', '<', search.low);
    case 'ge':
      return { any: [col('high', '>', search.high), within] };
    case 'le':
      return { any: [col('low', '<', search.low), within] };
    case 'sa':
      return col('low', '>=', search.high);
    case 'eb':
      return col('high', '<=', search.low);
    case 'ap': {
      const margin = Math.abs(now - search.low) * 0.1;
      return { all: [col('low', '<', search.high + margin), col('high', '>', search.low - margin)] };
    }
  }
}

/** A number search value and the half-unit of its last significant digit (`100` → 0.5). */
export function parseNumber(value: string): { value: number; halfUnit: number } | undefined {
  const match = /^([+-]?\d+(?:\.(\d+))?)(?:[eE]([+-]?\d+))?$/.exec(value.trim());
  if (!match) return undefined;
  const decimals = (match[2]?.length ?? 0) - Number(match[3] ?? 0);
  return { value: Number(match[0]), halfUnit: 0.5 * 10 ** -decimals };
}

/** The condition a stored number must meet; `eq` and `ne` honour the search value's precision. */
export function numberCondition(prefix: SearchPrefix, search: { value: number; halfUnit: number }): RangeCondition {
  const { value, halfUnit } = search;
  const within: RangeCondition = { all: [col('value', '>=', value - halfUnit), col('value', '<', value + halfUnit)] };
  switch (prefix) {
    case 'eq':
      return within;
    case 'ne':
      return { not: within };
    case 'gt':
    case 'sa':
      return col('value', '>', value);
    case 'lt':
    case 'eb':
      return col('value', '<', value);
    case 'ge':
      return col('value', '>=', value);
    case 'le':
      return col('value', '<=', value);
    case 'ap': {
      const margin = Math.max(Math.abs(value) * 0.1, halfUnit);
      return { all: [col('value', '>=', value - margin), col('value', '<=', value + margin)] };
    }
  }
}
