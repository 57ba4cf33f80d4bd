import {
  dayOfWeek,
  formatInstant,
  instantOfWallClock,
  isValidTimeZone,
  localDateAt,
  offsetMinutesAt,
  shiftLocalDate,
  toEpochMillis,
  wallClockAt,
} from './time-zone';

const NY = 'America/New_York';

describe('toEpochMillis', () => {
  it.each([
    ['2026-11-27T15:00:00-05:00', Date.UTC(2026, 10, 27, 20)],
    ['2026-11-27T20:00:00Z', Date.UTC(2026, 10, 27, 20)],
    ['2026-11-27T20:00Z', Date.UTC(2026, 10, 27, 20)],
    ['2026-11-27T20:00:00.123+00:00', Date.UTC(2026, 10, 27, 20, 0, 0, 123)],
  ])('%s', (input, expected) => {
    expect(toEpochMillis(input)).toBe(expected);
  });

  it.each(['2026-11-27', '2026-11-27T15:00:00', 'yesterday', '2026-13-45T10:00:00Z'])('refuses %s', (input) => {
    expect(() => toEpochMillis(input)).toThrow(RangeError);
  });

  it('refuses an invalid Date', () => {
    expect(() => toEpochMillis(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('offsets and wall clocks', () => {
  it.each([
    ['2026-01-15T12:00:00Z', NY, -300],
    ['2026-07-15T12:00:00Z', NY, -240],
    ['2026-03-08T06:59:59Z', NY, -300], // 01:59:59 EST, the last second before spring forward
    ['2026-03-08T07:00:00Z', NY, -240], // 03:00 EDT
    ['2026-11-01T05:59:59Z', NY, -240], // 01:59:59 EDT, first pass
    ['2026-11-01T06:00:00Z', NY, -300], // 01:00 EST, second pass
    ['2026-07-15T12:00:00Z', 'Asia/Kolkata', 330],
    ['2026-07-15T12:00:00Z', 'Asia/Kathmandu', 345],
    ['2026-07-15T12:00:00Z', 'UTC', 0],
  ])('%s in %s is UTC%+d min', (instant, zone, expected) => {
    expect(offsetMinutesAt(instant, zone)).toBe(expected);
  });

  it('reads the local wall clock', () => {
    expect(wallClockAt('2026-11-28T03:00:00.250Z', NY)).toEqual({
      year: 2026, month: 11, day: 27, hour: 22, minute: 0, second: 0, millisecond: 250,
    });
    expect(localDateAt('2026-11-28T03:00:00Z', NY)).toBe('2026-11-27');
    expect(localDateAt('2026-11-28T03:00:00Z', 'Europe/London')).toBe('2026-11-28');
  });
});

describe('wall clocks agree with Intl at every instant, across transitions (memoised offsets)', () => {
  /** The wall clock as Intl reads it, straight (what wallClockAt must always equal). */
  function intlWallClock(ms: number, zone: string): Record<string, number> {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
    }).formatToParts(new Date(ms));
    const wall: Record<string, number> = {};
    for (const part of parts) if (part.type !== 'literal') wall[part.type] = Number(part.value);
    return { ...wall, millisecond: ((ms % 1000) + 1000) % 1000 };
  }

  it.each([
    [NY, '2026-03-08T06:00:00Z'], // spring forward
    [NY, '2026-11-01T04:30:00Z'], // fall back
    ['Australia/Lord_Howe', '2026-04-04T14:00:00Z'], // a 30-minute DST shift
    ['Asia/Kathmandu', '2026-07-15T00:00:00Z'],
    ['Pacific/Chatham', '2026-04-04T13:00:00Z'], // +13:45 → +12:45
    ['Europe/London', '2026-10-25T00:00:00Z'],
    ['America/Sao_Paulo', '1985-11-02T01:00:00Z'], // historical DST
    [NY, '1883-11-18T16:00:00Z'], // local mean time (an offset in seconds) to EST
  ])('%s around %s', (zone, around) => {
    const center = Date.parse(around);
    // Every 61.7 s for 6 hours either side: every minute of the transition and both sides of it.
    for (let ms = center - 6 * 3_600_000; ms <= center + 6 * 3_600_000; ms += 61_700) {
      expect([new Date(ms).toISOString(), wallClockAt(new Date(ms), zone)]).toEqual([new Date(ms).toISOString(), intlWallClock(ms, zone)]);
    }
  });
});

describe('instantOfWallClock', () => {
  const wall = (date: string, hour: number, minute = 0) => {
    const [year, month, day] = date.split('-').map(Number);
    return { year, month, day, hour, minute, second: 0, millisecond: 0 };
  };
  it.each([
    ['ordinary winter time', wall('2026-01-15', 9), NY, '2026-01-15T14:00:00.000Z'],
    ['ordinary summer time', wall('2026-07-15', 9), NY, '2026-07-15T13:00:00.000Z'],
    ['inside the spring-forward gap moves forward', wall('2026-03-08', 2, 30), NY, '2026-03-08T07:30:00.000Z'],
    ['just after the gap', wall('2026-03-08', 3, 0), NY, '2026-03-08T07:00:00.000Z'],
    ['the repeated hour resolves to its first occurrence (EDT)', wall('2026-11-01', 1, 30), NY, '2026-11-01T05:30:00.000Z'],
    ['after the repeated hour', wall('2026-11-01', 2, 0), NY, '2026-11-01T07:00:00.000Z'],
    ['midnight skipped in Santiago', wall('2026-09-06', 0, 0), 'America/Santiago', '2026-09-06T04:00:00.000Z'],
    ['half-hour zone', wall('2026-07-15', 9), 'Asia/Kolkata', '2026-07-15T03:30:00.000Z'],
  ])('%s', (_case, input, zone, expected) => {
    expect(instantOfWallClock(input, zone).toISOString()).toBe(expected);
  });
});

describe('formatInstant', () => {
  it.each([
    ['2026-12-02T04:59:59.999Z', NY, '2026-12-01T23:59:59.999-05:00'],
    ['2026-07-01T12:00:00Z', NY, '2026-07-01T08:00:00.000-04:00'],
    ['2026-07-01T12:00:00Z', 'Asia/Kolkata', '2026-07-01T17:30:00.000+05:30'],
    ['2026-07-01T12:00:00Z', 'Asia/Kathmandu', '2026-07-01T17:45:00.000+05:45'],
    ['2026-07-01T12:00:00Z', 'UTC', '2026-07-01T12:00:00.000+00:00'],
  ])('%s in %s', (instant, zone, expected) => {
    expect(formatInstant(instant, zone)).toBe(expected);
    expect(toEpochMillis(formatInstant(instant, zone))).toBe(toEpochMillis(instant));
  });
});

describe('local dates', () => {
  it.each([
    ['2026-11-27', 1, '2026-11-28'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2028-02-28', 1, '2028-02-29'],
    ['2027-02-28', 1, '2027-03-01'],
    ['2026-03-01', -1, '2026-02-28'],
  ])('%s %+d day → %s', (date, days, expected) => {
    expect(shiftLocalDate(date, days)).toBe(expected);
  });

  it.each([
    ['2026-11-27', 5],
    ['2026-11-29', 0],
    ['2026-11-28', 6],
  ])('%s is weekday %d', (date, expected) => {
    expect(dayOfWeek(date)).toBe(expected);
  });

  it('knows zones', () => {
    expect(isValidTimeZone(NY)).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(() => localDateAt('2026-01-01T00:00:00Z', 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});
