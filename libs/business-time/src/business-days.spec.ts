import usFederal from '../../../fhir-profiles/calendars/us-federal.json';
import {
  addBusinessDays,
  addDays,
  addHours,
  endOfDay,
  endOfLocalDate,
  isBusinessDay,
  startOfDay,
  startOfLocalDate,
} from './business-days';
import { calendarFromJson, weekendsOnlyCalendar } from './calendar';
import { formatInstant } from './time-zone';

const NY = 'America/New_York';
const federal = calendarFromJson(usFederal);

describe('addBusinessDays: end of the n-th business day after the event day (us-federal)', () => {
  it.each<[string, string, number, string, string]>([
    ['Friday 15:00 after Thanksgiving, within 2', '2026-11-27T15:00:00-05:00', 2, NY, '2026-12-01T23:59:59.999-05:00'],
    ['Friday 16:00, within 2 → Tuesday', '2026-11-20T16:00:00-05:00', 2, NY, '2026-11-24T23:59:59.999-05:00'],
    ['Wednesday before Thanksgiving skips Thursday', '2026-11-25T15:00:00-05:00', 2, NY, '2026-11-30T23:59:59.999-05:00'],
    ['Thanksgiving itself, within 1', '2026-11-26T10:00:00-05:00', 1, NY, '2026-11-27T23:59:59.999-05:00'],
    ['Monday morning, within 2 → Wednesday', '2026-11-30T08:00:00-05:00', 2, NY, '2026-12-02T23:59:59.999-05:00'],
    ['Saturday, within 2 → Tuesday', '2026-11-28T11:00:00-05:00', 2, NY, '2026-12-01T23:59:59.999-05:00'],
    ['Sunday, within 1 → Monday', '2026-11-29T11:00:00-05:00', 1, NY, '2026-11-30T23:59:59.999-05:00'],
    ['Friday before Memorial Day', '2026-05-22T16:00:00-04:00', 2, NY, '2026-05-27T23:59:59.999-04:00'],
    ['Thursday before an observed Independence Day', '2026-07-02T09:00:00-04:00', 1, NY, '2026-07-06T23:59:59.999-04:00'],
    ['observed New Year 2028 on 2027-12-31', '2027-12-30T09:00:00-05:00', 1, NY, '2028-01-03T23:59:59.999-05:00'],
    ['Christmas Eve observed 2027, then a weekend', '2027-12-23T09:00:00-05:00', 1, NY, '2027-12-27T23:59:59.999-05:00'],
    ['n = 0 on a business day: end of that day', '2026-11-30T08:00:00-05:00', 0, NY, '2026-11-30T23:59:59.999-05:00'],
    ['n = 0 on a holiday: end of the next business day', '2026-11-26T08:00:00-05:00', 0, NY, '2026-11-27T23:59:59.999-05:00'],
    ['5 business days over Thanksgiving week', '2026-11-23T09:00:00-05:00', 5, NY, '2026-12-01T23:59:59.999-05:00'],
    ['across fall-back: due Monday in EST', '2026-10-30T10:00:00-04:00', 1, NY, '2026-11-02T23:59:59.999-05:00'],
    ['across spring-forward: due Monday in EDT', '2026-03-06T10:00:00-05:00', 1, NY, '2026-03-09T23:59:59.999-04:00'],
  ])('%s', (_case, event, n, zone, expected) => {
    const due = addBusinessDays(event, n, federal, zone);
    expect(formatInstant(due, zone)).toBe(expected);
  });

  it('uses the local day of the event in the tenant zone, not the UTC day', () => {
    // Thursday (Thanksgiving) 23:30 in New York is already Friday 04:30 in London.
    const event = '2026-11-27T04:30:00Z';
    expect(formatInstant(addBusinessDays(event, 2, federal, NY), NY)).toBe('2026-11-30T23:59:59.999-05:00');
    expect(formatInstant(addBusinessDays(event, 2, federal, 'Europe/London'), 'Europe/London')).toBe(
      '2026-12-01T23:59:59.999+00:00',
    );
  });

  it('skips weekends only with a weekends-only calendar', () => {
    const due = addBusinessDays('2026-11-25T15:00:00-05:00', 2, weekendsOnlyCalendar(), NY);
    expect(formatInstant(due, NY)).toBe('2026-11-27T23:59:59.999-05:00');
  });

  it.each([-1, 1.5, Number.NaN])('refuses n = %s', (n) => {
    expect(() => addBusinessDays('2026-11-25T15:00:00-05:00', n, federal, NY)).toThrow(RangeError);
  });

  it('refuses an unknown zone', () => {
    expect(() => addBusinessDays('2026-11-25T15:00:00-05:00', 1, federal, 'Nowhere/Land')).toThrow(RangeError);
  });

  it('refuses a calendar with no business days', () => {
    const never = weekendsOnlyCalendar([0, 1, 2, 3, 4, 5, 6]);
    expect(() => addBusinessDays('2026-11-25T15:00:00-05:00', 1, never, NY)).toThrow(/no business day/);
  });
});

describe('isBusinessDay', () => {
  it.each([
    ['2026-11-26T12:00:00-05:00', NY, false],
    ['2026-11-27T12:00:00-05:00', NY, true],
    ['2026-11-28T02:00:00Z', NY, true], // Friday 21:00 in New York
    ['2026-11-28T02:00:00Z', 'Europe/London', false], // Saturday in London
  ])('%s in %s → %s', (instant, zone, expected) => {
    expect(isBusinessDay(instant, federal, zone)).toBe(expected);
  });
});

describe('addDays keeps the wall-clock time', () => {
  it.each<[string, string, number, string, number]>([
    ['plain week', '2026-11-27T15:00:00-05:00', 7, '2026-12-04T15:00:00.000-05:00', 7 * 24],
    ['over spring-forward: 23 hours elapse', '2026-03-07T10:00:00-05:00', 1, '2026-03-08T10:00:00.000-04:00', 23],
    ['over fall-back: 25 hours elapse', '2026-10-31T10:00:00-04:00', 1, '2026-11-01T10:00:00.000-05:00', 25],
    ['into the gap: 02:30 does not exist, 03:30 EDT', '2026-03-07T02:30:00-05:00', 1, '2026-03-08T03:30:00.000-04:00', 24],
    ['into the overlap: the first 01:30 (EDT)', '2026-10-31T01:30:00-04:00', 1, '2026-11-01T01:30:00.000-04:00', 24],
    ['backwards over fall-back', '2026-11-02T10:00:00-05:00', -2, '2026-10-31T10:00:00.000-04:00', -49],
    ['14 days over the year end', '2026-12-25T09:00:00-05:00', 14, '2027-01-08T09:00:00.000-05:00', 14 * 24],
  ])('%s', (_case, start, days, expected, elapsedHours) => {
    const result = addDays(start, days, NY);
    expect(formatInstant(result, NY)).toBe(expected);
    expect((result.getTime() - Date.parse(start)) / 3_600_000).toBe(elapsedHours);
  });

  it('refuses fractional days', () => {
    expect(() => addDays('2026-10-31T10:00:00-04:00', 0.5, NY)).toThrow(RangeError);
  });
});

describe('addHours counts elapsed time', () => {
  it.each([
    ['across spring-forward', '2026-03-08T01:30:00-05:00', 1, '2026-03-08T03:30:00.000-04:00'],
    ['across fall-back, the repeated hour', '2026-11-01T01:30:00-04:00', 1, '2026-11-01T01:30:00.000-05:00'],
    ['48 hours over a weekend', '2026-11-27T15:00:00-05:00', 48, '2026-11-29T15:00:00.000-05:00'],
    ['negative', '2026-11-27T15:00:00-05:00', -3, '2026-11-27T12:00:00.000-05:00'],
  ])('%s', (_case, start, hours, expected) => {
    expect(formatInstant(addHours(start, hours), NY)).toBe(expected);
  });

  it('refuses infinity', () => {
    expect(() => addHours('2026-11-27T15:00:00-05:00', Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('day boundaries', () => {
  it.each([
    ['ordinary day', '2026-11-27', '2026-11-27T05:00:00.000Z', '2026-11-28T04:59:59.999Z', 24],
    ['spring-forward day is 23 hours', '2026-03-08', '2026-03-08T05:00:00.000Z', '2026-03-09T03:59:59.999Z', 23],
    ['fall-back day is 25 hours', '2026-11-01', '2026-11-01T04:00:00.000Z', '2026-11-02T04:59:59.999Z', 25],
  ])('%s', (_case, date, start, end, hours) => {
    expect(startOfLocalDate(date, NY).toISOString()).toBe(start);
    expect(endOfLocalDate(date, NY).toISOString()).toBe(end);
    expect((endOfLocalDate(date, NY).getTime() + 1 - startOfLocalDate(date, NY).getTime()) / 3_600_000).toBe(hours);
  });

  it('finds the day of an instant', () => {
    expect(startOfDay('2026-11-28T03:00:00Z', NY).toISOString()).toBe('2026-11-27T05:00:00.000Z');
    expect(endOfDay('2026-11-28T03:00:00Z', NY).toISOString()).toBe('2026-11-28T04:59:59.999Z');
  });

  it('starts a day whose midnight is skipped at 01:00', () => {
    expect(formatInstant(startOfLocalDate('2026-09-06', 'America/Santiago'), 'America/Santiago')).toBe(
      '2026-09-06T01:00:00.000-03:00',
    );
  });
});
