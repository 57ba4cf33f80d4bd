import { dayOfWeek, parseLocalDate } from './time-zone';

/**
 * Which local dates are not business days: weekends and holidays. Holidays are the dates that
 * are observed as days off (a Saturday holiday observed on the Friday is listed on the Friday).
 */
export interface BusinessCalendar {
  readonly id: string;
  /** 0 = Sunday … 6 = Saturday. */
  readonly weekendDays: ReadonlySet<number>;
  /** Observed non-working dates, `YYYY-MM-DD`. */
  readonly holidays: ReadonlySet<string>;
  /** First and last date the holiday list is known to be complete for (inclusive). */
  readonly validFrom: string;
  readonly validThrough: string;
}

/** The JSON shape of a calendar file in `fhir-profiles/calendars/`. */
export interface CalendarFile {
  id: string;
  title?: string;
  source?: string;
  weekendDays: string[];
  validFrom: string;
  validThrough: string;
  holidays: { date: string; name: string; actualDate?: string }[];
}

const WEEKDAY_NUMBERS: Readonly<Record<string, number>> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

/**
 * Checks a calendar file's content and builds the calendar; throws RangeError naming the first
 * problem (unknown weekday, malformed or duplicate date, holiday outside the valid range).
 */
export function calendarFromJson(json: unknown): BusinessCalendar {
  const file = json as Partial<CalendarFile> | null;
  if (!file || typeof file !== 'object') throw new RangeError('calendar: not an object');
  if (typeof file.id !== 'string' || file.id === '') throw new RangeError('calendar: id is required');
  if (!Array.isArray(file.weekendDays)) throw new RangeError(`calendar ${file.id}: weekendDays must be a list`);
  if (!Array.isArray(file.holidays)) throw new RangeError(`calendar ${file.id}: holidays must be a list`);
  if (typeof file.validFrom !== 'string' || typeof file.validThrough !== 'string') {
    throw new RangeError(`calendar ${file.id}: validFrom and validThrough are required`);
  }
  parseLocalDate(file.validFrom);
  parseLocalDate(file.validThrough);
  const weekendDays = new Set<number>();
  for (const name of file.weekendDays) {
    const day = WEEKDAY_NUMBERS[String(name).toLowerCase()];
    if (day === undefined) throw new RangeError(`calendar ${file.id}: unknown weekday "${name}"`);
    weekendDays.add(day);
  }
  const holidays = new Set<string>();
  for (const holiday of file.holidays) {
    parseLocalDate(holiday.date);
    if (holiday.actualDate !== undefined) parseLocalDate(holiday.actualDate);
    if (holidays.has(holiday.date)) throw new RangeError(`calendar ${file.id}: ${holiday.date} is listed twice`);
    if (holiday.date < file.validFrom || holiday.date > file.validThrough) {
      throw new RangeError(`calendar ${file.id}: ${holiday.date} is outside ${file.validFrom}..${file.validThrough}`);
    }
    holidays.add(holiday.date);
  }
  return { id: file.id, weekendDays, holidays, validFrom: file.validFrom, validThrough: file.validThrough };
}

/** A calendar with weekends only (no holidays), valid for every date. */
export function weekendsOnlyCalendar(weekendDays: readonly number[] = [0, 6]): BusinessCalendar {
  return {
    id: 'weekends-only',
    weekendDays: new Set(weekendDays),
    holidays: new Set(),
    validFrom: '0001-01-01',
    validThrough: '9999-12-31',
  };
}

/** Whether the local date is a business day under `calendar` (neither weekend nor holiday). */
export function isBusinessDate(date: string, calendar: BusinessCalendar): boolean {
  return !calendar.weekendDays.has(dayOfWeek(date)) && !calendar.holidays.has(date);
}

/**
 * Whether `calendar` knows the holidays of `date`. Outside that range business days are still
 * computed (weekends only), so the service keeps working; the application should warn well
 * before a tenant's calendar runs out.
 */
export function calendarCovers(calendar: BusinessCalendar, date: string): boolean {
  parseLocalDate(date);
  return date >= calendar.validFrom && date <= calendar.validThrough;
}
