import type { Encounter } from '@medplum/fhirtypes';
import { buildFhirPathContext, dischargeDispositionCode, isApplicable } from './fhirpath-context';
import { context, coverage, encounter, NY } from './testing/fixtures';

const V2 = 'http://terminology.hl7.org/CodeSystem/v2-0112';
const FHIR = 'http://terminology.hl7.org/CodeSystem/discharge-disposition';
const NUBC = 'https://www.nubc.org/CodeSystem/PatDischargeStatus';

describe('dischargeDispositionCode', () => {
  const withCodings = (...coding: { system?: string; code: string }[]): Encounter => ({
    ...encounter(),
    hospitalization: { dischargeDisposition: { coding } },
  });
  it.each<[string, Encounter | undefined, string | undefined]>([
    ['v2 table 0112', withCodings({ system: V2, code: '06' }), '06'],
    ['NUBC', withCodings({ system: NUBC, code: '62' }), '62'],
    ['two digits, unknown system', withCodings({ system: 'urn:local', code: '03' }), '03'],
    ['FHIR home', withCodings({ system: FHIR, code: 'home' }), '01'],
    ['FHIR exp', withCodings({ system: FHIR, code: 'exp' }), '20'],
    ['FHIR aadvice', withCodings({ system: FHIR, code: 'aadvice' }), '07'],
    ['FHIR rehab', withCodings({ system: FHIR, code: 'rehab' }), '62'],
    ['v2 preferred over FHIR', withCodings({ system: FHIR, code: 'home' }, { system: V2, code: '06' }), '06'],
    ['local text code', withCodings({ system: 'urn:local', code: 'HOME' }), undefined],
    ['none', { ...encounter(), hospitalization: undefined }, undefined],
    ['no encounter', undefined, undefined],
  ])('%s', (_case, input, expected) => {
    expect(dischargeDispositionCode(input)).toBe(expected);
  });
});

describe('the FHIRPath view of the event', () => {
  const ctx = context('encounter.discharged', '2026-11-27T22:30:00-05:00', {
    encounter: encounter({ start: '2026-11-20T23:30:00-05:00', end: '2026-11-27T22:30:00-05:00', disposition: '06' }),
    coverages: [coverage()],
  });
  const fp = buildFhirPathContext(ctx, '2026-11-28T00:10:00-05:00', NY);
  const holds = (expression: string): boolean => isApplicable(expression, fp, 'test');

  it.each([
    "%event = 'encounter.discharged'",
    "%dischargeDisposition = '06'",
    "%encounterClass = 'IMP'",
    "%encounterStartDate = '2026-11-20'",
    "%encounterEndDate = '2026-11-27'",
    "%today = '2026-11-28'",
    "%patient.id = 'pat-1'",
    "%encounter.id = 'enc-1'",
    'entry.resource.ofType(Coverage).count() = 1',
    "%context.entry.resource.ofType(Patient).id = 'pat-1'",
    '%eventTime.exists() and %now.exists()',
  ])('%s', (expression) => {
    expect(holds(expression)).toBe(true);
  });

  it.each([
    "%dischargeDisposition = '01'",
    'entry.resource.ofType(Condition).exists()',
    '%encounter.extension.exists()',
    "'not a boolean'",
    '1 | 2',
  ])('not exactly true: %s', (expression) => {
    expect(holds(expression)).toBe(false);
  });

  it('an open encounter ends on the event date; a missing one leaves its variables empty', () => {
    const open = buildFhirPathContext(
      context('coverage.changed', '2026-12-02T09:00:00-05:00', { encounter: { ...encounter(), period: { start: '2026-11-20' } } }),
      '2026-12-02T09:00:00-05:00',
      NY,
    );
    expect(isApplicable("%encounterEndDate = '2026-12-02' and %encounterStartDate = '2026-11-20'", open, 'x')).toBe(true);
    const none = buildFhirPathContext(context('coverage.changed', '2026-12-02T09:00:00-05:00', { encounter: undefined }), '2026-12-02T09:00:00-05:00', NY);
    expect(isApplicable('%encounter.empty() and %dischargeDisposition.empty() and %encounterStartDate.empty()', none, 'x')).toBe(true);
  });

  it('names the action when an expression fails', () => {
    expect(() => isApplicable('%nope', fp, 'PlanDefinition/x#y')).toThrow(/PlanDefinition\/x#y: condition "%nope" failed/);
  });
});
