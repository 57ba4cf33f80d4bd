import type { Encounter } from '@medplum/fhirtypes';
import type { AdtAction, AdtEvent } from './adt-event';
import { coordinationEventsOf, occurredAtOf, type AppliedAdtEvent } from './coordination-events';

const SOURCE = 'urn:liaison:hl7:HOSP:MSG1';

function event(action: AdtAction, eventCode: string, extra: Partial<AdtEvent> = {}): AdtEvent {
  return {
    source: { protocol: 'hl7v2', sender: 'HOSP', messageId: 'MSG1', uri: SOURCE },
    eventCode,
    messageType: `ADT^${eventCode}`,
    action,
    messageTime: '2026-11-27T10:00:00-05:00',
    writes: [],
    merges: [],
    warnings: [],
    ...extra,
  };
}

const encounter = (period: Encounter['period']): Encounter => ({ resourceType: 'Encounter', status: 'in-progress', class: { code: 'IMP' }, period });
const applied = (extra: Partial<AppliedAdtEvent> = {}): AppliedAdtEvent => ({
  patientId: 'p1',
  encounterId: 'e1',
  encounterSuperseded: false,
  changedCoverageIds: [],
  merges: [],
  ...extra,
});

describe('coordination events of an applied message', () => {
  it.each([
    ['A01 admit', event('admit', 'A01'), ['encounter.admitted']],
    ['A06 outpatient to inpatient', event('change-class', 'A06'), ['encounter.admitted']],
    ['A07 inpatient to outpatient', event('change-class', 'A07'), []],
    ['A03 discharge', event('discharge', 'A03'), ['encounter.discharged']],
    ['A11 cancel admit', event('cancel-admit', 'A11'), ['encounter.admission-cancelled']],
    ['A13 cancel discharge', event('cancel-discharge', 'A13'), ['encounter.discharge-cancelled']],
    ['A04 register', event('register', 'A04'), []],
    ['A05 pre-admit', event('pre-admit', 'A05'), []],
    ['A02 transfer', event('transfer', 'A02'), []],
    ['A08 update', event('update', 'A08'), []],
    ['A12 cancel transfer', event('cancel-transfer', 'A12'), []],
    ['an unhandled trigger', event('none', 'A24'), []],
    [
      'a discharge notification',
      event('discharge', 'notification-discharge', { source: { protocol: 'fhir-messaging', sender: 'https://x', messageId: 'm', uri: 'urn:m' } }),
      ['encounter.discharged'],
    ],
    [
      'a transfer notification',
      event('transfer', 'notification-transfer', { source: { protocol: 'fhir-messaging', sender: 'https://x', messageId: 'm', uri: 'urn:m' } }),
      [],
    ],
  ])('%s', (_name, adt, kinds) => {
    expect(coordinationEventsOf(adt, applied()).map((e) => e.kind)).toEqual(kinds);
  });

  it('names the patient, the encounter and the message', () => {
    expect(coordinationEventsOf(event('discharge', 'A03'), applied())).toEqual([
      { kind: 'encounter.discharged', occurredAt: '2026-11-27T10:00:00-05:00', patientId: 'p1', encounterId: 'e1', source: SOURCE },
    ]);
  });

  it('raises no encounter event when a newer message had already written the encounter', () => {
    expect(coordinationEventsOf(event('discharge', 'A03'), applied({ encounterSuperseded: true }))).toEqual([]);
  });

  it('raises no encounter event without an encounter', () => {
    expect(coordinationEventsOf(event('admit', 'A01'), applied({ encounterId: undefined }))).toEqual([]);
  });

  it('raises coverage.changed for each changed Coverage, before the encounter event', () => {
    expect(coordinationEventsOf(event('admit', 'A01'), applied({ changedCoverageIds: ['c1', 'c2'] })).map((e) => [e.kind, e.coverageId])).toEqual([
      ['coverage.changed', 'c1'],
      ['coverage.changed', 'c2'],
      ['encounter.admitted', undefined],
    ]);
  });

  it('raises patient.merged for each merge whose replaced patient was stored', () => {
    const merges = [{ survivorId: 'p1', replacedId: 'p0' }, { survivorId: 'p2' }, { survivorId: 'p3', replacedId: 'p3' }];
    expect(coordinationEventsOf(event('merge', 'A40'), applied({ merges }))).toEqual([
      { kind: 'patient.merged', occurredAt: '2026-11-27T10:00:00-05:00', patientId: 'p1', mergedPatientId: 'p0', source: SOURCE },
    ]);
  });
});

describe('when an event happened', () => {
  const withEvn6 = event('discharge', 'A03', { eventOccurredAt: '2026-11-27T09:30:00-05:00' });
  it.each([
    ['a discharge with PV1-45', 'encounter.discharged', withEvn6, encounter({ start: '2026-11-20T08:00:00-05:00', end: '2026-11-27T09:00:00-05:00' }), '2026-11-27T09:00:00-05:00'],
    ['a discharge whose PV1-45 is a date only: EVN-6', 'encounter.discharged', withEvn6, encounter({ end: '2026-11-27' }), '2026-11-27T09:30:00-05:00'],
    ['a discharge without PV1-45 nor EVN-6: the message time', 'encounter.discharged', event('discharge', 'A03'), encounter({}), '2026-11-27T10:00:00-05:00'],
    ['an admission with PV1-44', 'encounter.admitted', withEvn6, encounter({ start: '2026-11-20T08:00:00-05:00' }), '2026-11-20T08:00:00-05:00'],
    ['a cancelled discharge: EVN-6', 'encounter.discharge-cancelled', withEvn6, encounter({ end: '2026-11-27T09:00:00-05:00' }), '2026-11-27T09:30:00-05:00'],
    ['EVN-6 a date only: the message time', 'coverage.changed', event('update', 'A08', { eventOccurredAt: '2026-11-27' }), undefined, '2026-11-27T10:00:00-05:00'],
  ] as const)('%s', (_name, kind, adt, stored, expected) => {
    expect(occurredAtOf(kind, adt, stored)).toBe(expected);
  });
});
