import { formatHl7Timestamp, isTimeZoneOrOffset, parseHl7Timestamp, toFhirDate, toFhirDateTime, toFhirInstant } from './timestamps';

describe('parseHl7Timestamp → FHIR', () => {
  it.each([
    // written,                zone,               date,          dateTime,                            instant
    ['1961', 'Z', '1961', '1961', '1961-01-01T00:00:00Z'],
    ['196106', 'Z', '1961-06', '1961-06', '1961-06-01T00:00:00Z'],
    ['19610615', 'Z', '1961-06-15', '1961-06-15', '1961-06-15T00:00:00Z'],
    ['200705100926', 'Z', '2007-05-10', '2007-05-10T09:26:00Z', '2007-05-10T09:26:00Z'],
    ['20040805152637', '+02:00', '2004-08-05', '2004-08-05T15:26:37+02:00', '2004-08-05T15:26:37+02:00'],
    ['20050110045504+0700', 'Z', '2005-01-10', '2005-01-10T04:55:04+07:00', '2005-01-10T04:55:04+07:00'],
    ['198908181126+0215', 'Z', '1989-08-18', '1989-08-18T11:26:00+02:15', '1989-08-18T11:26:00+02:15'],
    ['20120918173931-0500', 'Z', '2012-09-18', '2012-09-18T17:39:31-05:00', '2012-09-18T17:39:31-05:00'],
    ['20210817151943.4+0200', 'Z', '2021-08-17', '2021-08-17T15:19:43.4+02:00', '2021-08-17T15:19:43.4+02:00'],
    ['20110613122406637', 'Z', '2011-06-13', '2011-06-13T12:24:06Z', '2011-06-13T12:24:06Z'],
    ['20260115083000', 'America/New_York', '2026-01-15', '2026-01-15T08:30:00-05:00', '2026-01-15T08:30:00-05:00'],
    ['20260715083000', 'America/New_York', '2026-07-15', '2026-07-15T08:30:00-04:00', '2026-07-15T08:30:00-04:00'],
    ['20260715083000', 'Europe/London', '2026-07-15', '2026-07-15T08:30:00+01:00', '2026-07-15T08:30:00+01:00'],
    ['20240229', 'Z', '2024-02-29', '2024-02-29', '2024-02-29T00:00:00Z'],
    ['2012040200', '-06:00', '2012-04-02', '2012-04-02T00:00:00-06:00', '2012-04-02T00:00:00-06:00'],
  ])('%s in %s', (written, zone, date, dateTime, instant) => {
    const parsed = parseHl7Timestamp(written);
    expect(parsed).toBeDefined();
    expect(toFhirDate(parsed!)).toBe(date);
    expect(toFhirDateTime(parsed!, zone)).toBe(dateTime);
    expect(toFhirInstant(parsed!, zone)).toBe(instant);
  });

  it('says when it dropped digits beyond seconds', () => {
    expect(parseHl7Timestamp('20110613122406637')?.truncated).toBe(true);
    expect(parseHl7Timestamp('20110613122406')?.truncated).toBe(false);
  });

  it.each([
    ['', 'empty'],
    ['Aug 15, 1942', 'not digits'],
    ['19610', 'an odd number of digits'],
    ['19611315', 'month 13'],
    ['20230229', '29 February in a common year'],
    ['19610431', '31 April'],
    ['196106152460', 'hour 24'],
    ['19610615.5', 'a fraction without seconds'],
    ['20050110045504+1900', 'an offset beyond 14 hours'],
  ])('%s is not a timestamp (%s)', (written) => {
    expect(parseHl7Timestamp(written)).toBeUndefined();
  });
});

describe('isTimeZoneOrOffset', () => {
  it.each([
    ['Z', true],
    ['+01:00', true],
    ['-05:30', true],
    ['America/Chicago', true],
    ['Mars/Olympus', false],
    ['America/Nowhere', false],
  ])('%s → %s', (zone, valid) => {
    expect(isTimeZoneOrOffset(zone)).toBe(valid);
  });
});

describe('formatHl7Timestamp', () => {
  it.each([
    [0, '20260301120000+0000'],
    [60, '20260301130000+0100'],
    [-300, '20260301070000-0500'],
  ])('offset %i → %s', (offset, expected) => {
    expect(formatHl7Timestamp(new Date('2026-03-01T12:00:00Z'), offset)).toBe(expected);
  });
});
