import { OperationOutcomeError } from '@medplum/core';
import type { Coverage } from '@medplum/fhirtypes';
import { applyCoverageChanges, CoverageChanges } from './coverage-update';

const COVERAGE: Coverage = {
  resourceType: 'Coverage',
  id: 'c1',
  status: 'active',
  beneficiary: { reference: 'Patient/p1' },
  payor: [{ reference: 'Organization/acme', display: 'Acme Health' }],
  period: { start: '2026-01-01' },
  subscriberId: 'S-1',
};

describe('applyCoverageChanges', () => {
  it.each<[string, CoverageChanges, Partial<Coverage>]>([
    ['nothing', {}, COVERAGE],
    ['cancel it', { status: 'cancelled' }, { status: 'cancelled' }],
    ['end it', { periodEnd: '2026-12-31' }, { period: { start: '2026-01-01', end: '2026-12-31' } }],
    ['move its start (dateTime)', { periodStart: '2026-02-01T00:00:00-05:00' }, { period: { start: '2026-02-01T00:00:00-05:00' } }],
    ['clear the start', { periodStart: null }, { period: undefined }],
    [
      'new payors keep the display of one that stays',
      { payor: ['Organization/acme', ' Organization/beta '] },
      { payor: [{ reference: 'Organization/acme', display: 'Acme Health' }, { reference: 'Organization/beta' }] },
    ],
    ['self-pay', { payor: ['Patient/p1'] }, { payor: [{ reference: 'Patient/p1' }] }],
    ['a new subscriber id', { subscriberId: 'S-2' }, { subscriberId: 'S-2' }],
    ['no subscriber id', { subscriberId: null }, { subscriberId: undefined }],
  ])('%s', (_case, changes, expected) => {
    expect(applyCoverageChanges(COVERAGE, changes)).toEqual(JSON.parse(JSON.stringify({ ...COVERAGE, ...expected })));
    expect(COVERAGE.period).toEqual({ start: '2026-01-01' });
  });

  it.each<[string, CoverageChanges, string]>([
    ['an unknown status', { status: 'expired' }, 'Coverage.status'],
    ['a start that is not a date', { periodStart: '01/02/2026' }, 'Coverage.period.start'],
    ['an end before the start', { periodEnd: '2025-12-31' }, 'Coverage.period'],
    ['no payor', { payor: [] }, 'Coverage.payor'],
    ['a payor that cannot pay', { payor: ['Practitioner/1'] }, 'Coverage.payor'],
  ])('refuses %s', (_case, changes, expression) => {
    try {
      applyCoverageChanges(COVERAGE, changes);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(OperationOutcomeError);
      expect((error as OperationOutcomeError).outcome.issue?.[0]).toMatchObject({ code: 'invalid', expression: [expression] });
    }
  });
});
