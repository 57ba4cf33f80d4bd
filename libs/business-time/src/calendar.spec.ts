import usFederal from '../../../fhir-profiles/calendars/us-federal.json';
import { calendarCovers, calendarFromJson, isBusinessDate } from './calendar';

const calendar = calendarFromJson(usFederal);

/** Observed federal holidays as published by OPM (the day federal offices close). */
const OPM_OBSERVED: readonly string[] = [
  '2025-01-01', '2025-01-20', '2025-02-17', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-10-13',
  '2025-11-11', '2025-11-27', '2025-12-25',
  '2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-07-03', '2026-09-07', '2026-10-12',
  '2026-11-11', '2026-11-26', '2026-12-25',
  '2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-06-18', '2027-07-05', '2027-09-06', '2027-10-11',
  '2027-11-11', '2027-11-25', '2027-12-24', '2027-12-31',
  '2028-01-17', '2028-02-21', '2028-05-29', '2028-06-19', '2028-07-04', '2028-09-04', '2028-10-09', '2028-11-10',
  '2028-11-23', '2028-12-25',
];

describe('us-federal calendar file', () => {
  it('lists exactly the observed federal holidays of 2025–2028', () => {
    expect([...calendar.holidays].sort()).toEqual([...OPM_OBSERVED].sort());
  });

  it.each([
    ['2026-07-03', 'Friday before Independence Day on a Saturday', false],
    ['2026-07-04', 'Independence Day itself, a Saturday', false],
    ['2027-07-05', 'Monday after Independence Day on a Sunday', false],
    ['2027-12-31', "New Year's Day 2028 (a Saturday) observed in 2027", false],
    ['2028-11-10', 'Veterans Day on a Saturday, observed Friday', false],
    ['2026-11-26', 'Thanksgiving 2026', false],
    ['2026-11-27', 'day after Thanksgiving is not a federal holiday', true],
    ['2026-11-30', 'an ordinary Monday', true],
    ['2026-11-28', 'a Saturday', false],
    ['2026-11-29', 'a Sunday', false],
  ])('%s (%s) business day: %s', (date, _why, expected) => {
    expect(isBusinessDate(date, calendar)).toBe(expected);
  });

  it('knows its range', () => {
    expect(calendarCovers(calendar, '2025-01-01')).toBe(true);
    expect(calendarCovers(calendar, '2028-12-31')).toBe(true);
    expect(calendarCovers(calendar, '2029-01-01')).toBe(false);
    expect(calendarCovers(calendar, '2024-12-31')).toBe(false);
  });
});

describe('calendarFromJson refuses malformed calendars', () => {
  const valid = { id: 'x', weekendDays: ['saturday'], validFrom: '2026-01-01', validThrough: '2026-12-31', holidays: [] };
  it.each<[string, unknown, RegExp]>([
    ['not an object', null, /not an object/],
    ['no id', { ...valid, id: '' }, /id is required/],
    ['unknown weekday', { ...valid, weekendDays: ['caturday'] }, /unknown weekday/],
    ['bad date', { ...valid, holidays: [{ date: '2026-02-30', name: 'x' }] }, /not a calendar date/],
    ['duplicate', { ...valid, holidays: [{ date: '2026-02-02', name: 'a' }, { date: '2026-02-02', name: 'b' }] }, /twice/],
    ['outside range', { ...valid, holidays: [{ date: '2027-01-01', name: 'x' }] }, /outside/],
    ['no range', { ...valid, validThrough: undefined }, /validThrough/],
  ])('%s', (_case, json, message) => {
    expect(() => calendarFromJson(json)).toThrow(message);
  });

  it('accepts a valid one', () => {
    const parsed = calendarFromJson({ ...valid, holidays: [{ date: '2026-02-02', name: 'a' }] });
    expect(parsed.weekendDays).toEqual(new Set([6]));
    expect(isBusinessDate('2026-02-02', parsed)).toBe(false);
    expect(isBusinessDate('2026-02-01', parsed)).toBe(true); // a Sunday, not a weekend day here
  });
});
