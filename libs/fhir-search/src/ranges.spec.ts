import { dateCondition, numberCondition, parseDateRange, parseNumber, periodRange, RangeCondition } from './ranges';

const ms = (iso: string): number => Date.parse(iso);

/** Evaluates a condition against a stored range, as the SQL does. */
function holds(condition: RangeCondition, row: { low?: number; high?: number; value?: number }): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, row));
  if ('any' in condition) return condition.any.some((c) => holds(c, row));
  if ('not' in condition) return !holds(condition.not, row);
  const left = row[condition.column]!;
  switch (condition.op) {
    case '<':
      return left < condition.value;
    case '<=':
      return left <= condition.value;
    case '>':
      return left > condition.value;
    case '>=':
      return left >= condition.value;
  }
}

describe('parseDateRange: the range a value covers, by its precision', () => {
  it.each([
    ['2024', '2024-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['2024-02', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2024-12', '2024-12-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z'],
    ['2024-02-29', '2024-02-29T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
    ['2024-03-05T10:15', '2024-03-05T10:15:00.000Z', '2024-03-05T10:16:00.000Z'],
    ['2024-03-05T10:15Z', '2024-03-05T10:15:00.000Z', '2024-03-05T10:16:00.000Z'],
    ['2024-03-05T10:15:30Z', '2024-03-05T10:15:30.000Z', '2024-03-05T10:15:31.000Z'],
    ['2024-03-05T10:15:30+10:00', '2024-03-05T00:15:30.000Z', '2024-03-05T00:15:31.000Z'],
    ['2016-10-31T08:25:05-05:30', '2016-10-31T13:55:05.000Z', '2016-10-31T13:55:06.000Z'],
    ['2024-03-05T10:15:30.1Z', '2024-03-05T10:15:30.100Z', '2024-03-05T10:15:30.200Z'],
    ['2024-03-05T10:15:30.12Z', '2024-03-05T10:15:30.120Z', '2024-03-05T10:15:30.130Z'],
    ['2024-03-05T10:15:30.123Z', '2024-03-05T10:15:30.123Z', '2024-03-05T10:15:30.124Z'],
    ['2024-03-05T10:15:30.123456Z', '2024-03-05T10:15:30.123Z', '2024-03-05T10:15:30.124Z'],
  ])('%s → [%s, %s)', (value, low, high) => {
    expect(parseDateRange(value)).toEqual({ low: ms(low), high: ms(high) });
  });

  it('keeps years below 100 as written (no 19xx shift)', () => {
    expect(new Date(parseDateRange('0050')!.low).getUTCFullYear()).toBe(50);
  });

  it.each(['', '24', '2024-13', '2023-02-29', '2024-04-31', '2024-03-05T10', '2024-03-05T25:00', '2024-03-05T10:60', 'today', '2024-03-05T10:15:30+15:00'])(
    'rejects %p',
    (value) => {
      expect(parseDateRange(value)).toBeUndefined();
    },
  );

  it('reads a Period with open ends', () => {
    expect(periodRange('2011-05-23', '2012-05-23')).toEqual({ low: ms('2011-05-23'), high: ms('2012-05-24') });
    expect(periodRange(undefined, '2017-06-01')).toEqual({ low: -Infinity, high: ms('2017-06-02') });
    expect(periodRange('2016-10-31T08:25:05+10:00', undefined)).toEqual({ low: ms('2016-10-30T22:25:05Z'), high: Infinity });
    expect(periodRange(undefined, undefined)).toBeUndefined();
    expect(periodRange('nonsense', undefined)).toBeUndefined();
  });
});

describe('dateCondition: prefixes against stored ranges', () => {
  const now = ms('2025-01-01T00:00:00Z');
  const search = parseDateRange('2024-03-05')!;
  const stored = {
    inside: parseDateRange('2024-03-05T10:00:00Z')!,
    sameDay: parseDateRange('2024-03-05')!,
    before: parseDateRange('2024-03-04T23:59:59Z')!,
    after: parseDateRange('2024-03-06T00:00:00Z')!,
    straddlingStart: { low: ms('2024-03-04T12:00:00Z'), high: ms('2024-03-05T12:00:00Z') },
    straddlingEnd: { low: ms('2024-03-05T12:00:00Z'), high: ms('2024-03-06T12:00:00Z') },
    openEnded: { low: ms('2024-01-01'), high: Infinity },
    month: parseDateRange('2024-03')!,
  };
  type Name = keyof typeof stored;
  const cases: [string, Name[]][] = [
    ['eq', ['inside', 'sameDay']],
    ['ne', ['before', 'after', 'straddlingStart', 'straddlingEnd', 'openEnded', 'month']],
    ['gt', ['after', 'straddlingEnd', 'openEnded', 'month']],
    ['lt', ['before', 'straddlingStart', 'openEnded', 'month']],
    ['ge', ['inside', 'sameDay', 'after', 'straddlingEnd', 'openEnded', 'month']],
    ['le', ['inside', 'sameDay', 'before', 'straddlingStart', 'openEnded', 'month']],
    ['sa', ['after']],
    ['eb', ['before']],
  ];
  it.each(cases)('%s2024-03-05 matches %j', (prefix, expected) => {
    const condition = dateCondition(prefix as 'eq', search, now);
    const matched = (Object.keys(stored) as Name[]).filter((name) => holds(condition, stored[name]));
    expect(matched.sort()).toEqual([...expected].sort());
  });

  it('ap widens the search range by 10% of its distance from now', () => {
    const condition = dateCondition('ap', parseDateRange('2015-01-01')!, ms('2025-01-01'));
    expect(holds(condition, parseDateRange('2014-06-01')!)).toBe(true); // within a year of it
    expect(holds(condition, parseDateRange('2012-06-01')!)).toBe(false);
    expect(holds(condition, parseDateRange('2015-12-01')!)).toBe(true);
  });
});

describe('numbers and quantities', () => {
  it.each([
    ['100', 100, 0.5],
    ['100.00', 100, 0.005],
    ['0.5', 0.5, 0.05],
    ['1e2', 100, 50],
    ['-3', -3, 0.5],
  ])('parseNumber(%s) has precision ±%s', (raw, value, half) => {
    const parsed = parseNumber(raw)!;
    expect(parsed.value).toBe(value);
    expect(parsed.halfUnit).toBeCloseTo(half);
  });

  it('rejects what is not a number', () => {
    expect(parseNumber('abc')).toBeUndefined();
    expect(parseNumber('1.2.3')).toBeUndefined();
  });

  it.each([
    ['eq', 100, [99.5, 100, 100.4], [99.4, 100.5]],
    ['ne', 100, [99.4, 100.5], [100]],
    ['gt', 100, [100.01], [100, 99]],
    ['lt', 100, [99.99], [100]],
    ['ge', 100, [100, 101], [99.99]],
    ['le', 100, [100, 1], [100.01]],
    ['ap', 100, [91, 109], [89, 111]],
  ])('%s%s matches %j and not %j', (prefix, value, yes, no) => {
    const condition = numberCondition(prefix as 'eq', parseNumber(String(value))!);
    for (const v of yes) expect(holds(condition, { value: v })).toBe(true);
    for (const v of no) expect(holds(condition, { value: v })).toBe(false);
  });
});
