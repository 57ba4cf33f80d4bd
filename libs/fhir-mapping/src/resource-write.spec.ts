import type { Encounter, Patient } from '@medplum/fhirtypes';
import { conditionalReference, parseConditionalReference } from './identifier-systems';
import { absorbMergedPatient, retireMergedPatient } from './patient-merge';
import { applyWrite, deletePaths, resolveReferences, type ResourceWrite } from './resource-write';

const stored: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  meta: { versionId: '3', lastUpdated: '2026-01-01T00:00:00Z', source: 'urn:liaison:hl7:F:OLD' },
  active: true,
  identifier: [
    { system: 'urn:mrn', value: '1' },
    { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999' },
  ],
  name: [{ family: 'OLD' }],
  birthDate: '1960-01-01',
  telecom: [{ system: 'phone', value: '555' }],
};

const write = (resource: Partial<Patient>, extra: Partial<ResourceWrite<Patient>> = {}): ResourceWrite<Patient> => ({
  key: 'Patient?identifier=urn%3Amrn|1',
  resource: { resourceType: 'Patient', meta: { source: 'urn:liaison:hl7:F:NEW' }, ...resource },
  match: [{ system: 'urn:mrn', value: '1' }],
  mode: 'merge',
  nulls: [],
  ...extra,
});

describe('applyWrite', () => {
  it('creates from the message and the create defaults, without the nulled elements', () => {
    const { resource, changed } = applyWrite(undefined, write({ name: [{ family: 'NEW' }], birthDate: '1970-01-01' }, { nulls: ['birthDate'], createDefaults: { active: true } }));
    expect(changed).toBe(true);
    expect(resource).toEqual({ resourceType: 'Patient', active: true, meta: { source: 'urn:liaison:hl7:F:NEW' }, name: [{ family: 'NEW' }] });
  });

  it('merges HL7 v2 style: sent elements replace, empty ones are kept, "" ones are deleted', () => {
    const { resource, changed } = applyWrite(stored, write({ identifier: [{ system: 'urn:mrn', value: '1', use: 'usual' }], name: [{ family: 'NEW' }] }, { nulls: ['telecom'] }));
    expect(changed).toBe(true);
    expect(resource).toEqual({
      resourceType: 'Patient',
      id: 'p1',
      meta: { versionId: '3', lastUpdated: '2026-01-01T00:00:00Z', source: 'urn:liaison:hl7:F:NEW' },
      active: true,
      identifier: [
        { system: 'urn:mrn', value: '1', use: 'usual' },
        { system: 'http://hl7.org/fhir/sid/us-ssn', value: '999' },
      ],
      name: [{ family: 'NEW' }],
      birthDate: '1960-01-01',
    });
  });

  it('says nothing changed when only the source message differs (no version to write)', () => {
    const { changed } = applyWrite(stored, write({ name: [{ family: 'OLD' }], birthDate: '1960-01-01' }));
    expect(changed).toBe(false);
  });

  it('leaves an existing resource alone in create-if-absent mode', () => {
    expect(applyWrite(stored, write({ name: [{ family: 'NEW' }] }, { mode: 'create-if-absent' }))).toEqual({ resource: stored, changed: false });
  });

  it('ignores the create defaults for a resource that exists', () => {
    expect(applyWrite({ ...stored, active: false }, write({}, { createDefaults: { active: true } })).resource.active).toBe(false);
  });

  it('merges period and hospitalization one level deep: a discharge keeps the admission time', () => {
    const encounter: Encounter = {
      resourceType: 'Encounter',
      id: 'e1',
      status: 'in-progress',
      class: { code: 'IMP' },
      period: { start: '2026-03-01T08:00:00Z' },
      hospitalization: { admitSource: { text: 'ER' } },
    };
    const discharge: ResourceWrite<Encounter> = {
      key: 'k',
      resource: { resourceType: 'Encounter', status: 'finished', class: { code: 'IMP' }, period: { end: '2026-03-03T10:00:00Z' }, hospitalization: { dischargeDisposition: { text: 'home' } } },
      match: [],
      mode: 'merge',
      nulls: [],
    };
    expect(applyWrite(encounter, discharge).resource).toMatchObject({
      status: 'finished',
      period: { start: '2026-03-01T08:00:00Z', end: '2026-03-03T10:00:00Z' },
      hospitalization: { admitSource: { text: 'ER' }, dischargeDisposition: { text: 'home' } },
    });
    const reopened = applyWrite(applyWrite(encounter, discharge).resource, { ...discharge, resource: { ...discharge.resource, status: 'in-progress', period: undefined, hospitalization: undefined }, nulls: ['period.end', 'hospitalization.dischargeDisposition'] }).resource;
    expect(reopened.period).toEqual({ start: '2026-03-01T08:00:00Z' });
    expect(reopened.hospitalization).toEqual({ admitSource: { text: 'ER' } });
  });
});

describe('deletePaths', () => {
  it.each([
    [{ a: 1, b: 2 }, ['a'], { b: 2 }],
    [{ p: { start: 1, end: 2 } }, ['p.end'], { p: { start: 1 } }],
    [{ p: { end: 2 }, q: 1 }, ['p.end'], { q: 1 }],
    [{ p: 1 }, ['p.end', 'x.y.z'], { p: 1 }],
  ])('%j without %j', (value, paths, expected) => {
    expect(deletePaths(value, paths)).toEqual(expected);
  });

  it('does not change its input', () => {
    const value = { p: { end: 2 } };
    deletePaths(value, ['p.end']);
    expect(value).toEqual({ p: { end: 2 } });
  });
});

describe('resolveReferences', () => {
  it('rewrites the keys of earlier writes to where they were stored, and nothing else', () => {
    const key = conditionalReference('Patient', { system: 'urn:mrn', value: '1' });
    const encounter = { resourceType: 'Encounter', subject: { reference: key }, participant: [{ individual: { reference: 'Practitioner/9', display: 'Dr' } }] };
    expect(resolveReferences(encounter, new Map([[key, 'Patient/p1']]))).toEqual({
      resourceType: 'Encounter',
      subject: { reference: 'Patient/p1' },
      participant: [{ individual: { reference: 'Practitioner/9', display: 'Dr' } }],
    });
  });
});

describe('conditionalReference', () => {
  it.each([
    [{ system: 'urn:oid:2.16.1', value: 'PATID1234' }, 'Patient?identifier=urn%3Aoid%3A2.16.1|PATID1234'],
    [{ system: 'urn:x', value: 'a|b&c d' }, 'Patient?identifier=urn%3Ax|a%7Cb%26c%20d'],
  ])('%j ⇄ %s', (identifier, reference) => {
    expect(conditionalReference('Patient', identifier)).toBe(reference);
    expect(parseConditionalReference(reference)).toEqual({ resourceType: 'Patient', ...identifier });
  });

  it.each(['Patient/123', 'local:Encounter/1', 'Patient?name=x', 'Patient?identifier=a|b&_count=1'])('%s is not one', (reference) => {
    expect(parseConditionalReference(reference)).toBeUndefined();
  });
});

describe('patient merge (A40)', () => {
  const old: Patient = { resourceType: 'Patient', id: 'old', active: true, identifier: [{ system: 'urn:mrn', value: '2' }] };
  const survivor: Patient = { resourceType: 'Patient', id: 'new', identifier: [{ system: 'urn:mrn', value: '1' }], link: [{ other: { reference: 'Patient/x' }, type: 'seealso' }] };

  it('retires the replaced patient: inactive, identifiers old, replaced-by the survivor', () => {
    expect(retireMergedPatient(old, 'Patient/new')).toEqual({
      resourceType: 'Patient',
      id: 'old',
      active: false,
      identifier: [{ system: 'urn:mrn', value: '2', use: 'old' }],
      link: [{ other: { reference: 'Patient/new' }, type: 'replaced-by' }],
    });
  });

  it('gives the survivor the replaced identifiers and a replaces link, once', () => {
    const merged = absorbMergedPatient(survivor, 'Patient/old', [{ system: 'urn:mrn', value: '2', use: 'old' }, { system: 'urn:mrn', value: '1' }]);
    const again = absorbMergedPatient(merged, 'Patient/old', [{ system: 'urn:mrn', value: '2' }]);
    expect(again.identifier).toEqual([
      { system: 'urn:mrn', value: '1' },
      { system: 'urn:mrn', value: '2' },
    ]);
    expect(again.link).toEqual([
      { other: { reference: 'Patient/x' }, type: 'seealso' },
      { other: { reference: 'Patient/old' }, type: 'replaces' },
    ]);
  });
});
