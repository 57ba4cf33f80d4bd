import type { Coverage } from '@medplum/fhirtypes';
import { isCoverageActive } from './coverage-status';

const NOW = Date.parse('2026-12-01T15:00:00Z');

describe('isCoverageActive', () => {
  it.each<[string, Pick<Coverage, 'status' | 'period'>, boolean]>([
    ['active, no period', { status: 'active' }, true],
    ['active, started, no end', { status: 'active', period: { start: '2026-01-01' } }, true],
    ['active, not started yet', { status: 'active', period: { start: '2026-12-02' } }, false],
    ['active, ends today (a date covers the whole day)', { status: 'active', period: { start: '2026-01-01', end: '2026-12-01' } }, true],
    ['active, ended yesterday', { status: 'active', period: { end: '2026-11-30' } }, false],
    ['active, ended an hour ago (instant)', { status: 'active', period: { end: '2026-12-01T14:00:00Z' } }, false],
    ['cancelled', { status: 'cancelled', period: { start: '2026-01-01' } }, false],
    ['draft', { status: 'draft' }, false],
    ['entered in error', { status: 'entered-in-error' }, false],
  ])('%s → %s', (_case, coverage, expected) => {
    expect(isCoverageActive(coverage, NOW)).toBe(expected);
  });
});
