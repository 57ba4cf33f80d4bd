import type { Encounter, Patient } from '@medplum/fhirtypes';
import { absorbMergedPatient, retargetReferences } from './patient-merge';

describe('a survivor whose replaced record is not stored here', () => {
  it('takes the replaced identifiers without a link', () => {
    const survivor: Patient = { resourceType: 'Patient', id: 'new', identifier: [{ system: 'urn:mrn', value: '1' }] };
    expect(absorbMergedPatient(survivor, undefined, [{ system: 'urn:mrn', value: '2', use: 'old' }])).toEqual({
      resourceType: 'Patient',
      id: 'new',
      identifier: [
        { system: 'urn:mrn', value: '1' },
        { system: 'urn:mrn', value: '2' },
      ],
    });
  });
});

describe('references moved to the surviving patient', () => {
  const encounter: Encounter = {
    resourceType: 'Encounter',
    status: 'finished',
    class: { code: 'IMP' },
    subject: { reference: 'Patient/old', display: 'kept' },
    participant: [{ individual: { reference: 'Practitioner/old' } }],
    contained: [{ resourceType: 'Patient', id: 'x', link: [{ other: { reference: 'https://liaison.example/fhir/R4/Patient/old' }, type: 'seealso' }] }],
  };

  it.each([
    ['a relative reference', 'Patient/old', 'Patient/new', true],
    ['a patient of another id', 'Patient/ol', 'Patient/new', false],
    ['an id that ends like it', 'Patient/d', 'Patient/new', false],
  ])('%s', (_name, from, to, changed) => {
    const result = retargetReferences(encounter, from, to);
    expect(result.changed).toBe(changed);
    if (!changed) expect(result.resource).toBe(encounter);
  });

  it('rewrites every reference to the patient, relative or absolute, and nothing else', () => {
    const { resource } = retargetReferences(encounter, 'Patient/old', 'Patient/new');
    expect(resource.subject).toEqual({ reference: 'Patient/new', display: 'kept' });
    expect(resource.participant).toEqual([{ individual: { reference: 'Practitioner/old' } }]);
    expect((resource.contained?.[0] as Patient).link?.[0].other.reference).toBe('Patient/new');
    expect(encounter.subject?.reference).toBe('Patient/old');
  });
});
