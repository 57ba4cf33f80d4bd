import type { Patient, Task } from '@medplum/fhirtypes';
import { selectElements, SUBSETTED_TAG, summarize } from './subset';

// After the R4 specification example patient-example, trimmed.
const patient: Patient = {
  resourceType: 'Patient',
  id: 'example',
  meta: { versionId: '2', tag: [{ system: 'urn:t', code: 'keep' }] },
  text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">Peter</div>' },
  identifier: [{ system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
  name: [{ family: 'Chalmers', given: ['Peter'] }],
  birthDate: '1974-12-25',
  deceasedBoolean: false,
  photo: [{ contentType: 'image/gif' }],
  contact: [{ name: { family: 'du Marché' } }],
};

describe('selectElements (_elements)', () => {
  it.each([
    [['name'], ['id', 'meta', 'name', 'resourceType']],
    [['name', 'birthDate', 'nonsense'], ['birthDate', 'id', 'meta', 'name', 'resourceType']],
    [['deceased'], ['deceasedBoolean', 'id', 'meta', 'resourceType']],
    [[], ['id', 'meta', 'resourceType']],
  ])('%j keeps %j', (elements, keys) => {
    expect(Object.keys(selectElements(patient, elements)).sort()).toEqual(keys);
  });

  it('tags the result SUBSETTED and keeps existing tags and meta', () => {
    const subset = selectElements(patient, ['name']);
    expect(subset.meta).toEqual({ versionId: '2', tag: [{ system: 'urn:t', code: 'keep' }, SUBSETTED_TAG] });
    expect(patient.meta?.tag).toHaveLength(1);
  });

  it('does not keep an element that merely starts with a requested name', () => {
    const task: Task = { resourceType: 'Task', id: 't', status: 'requested', intent: 'order', statusReason: { text: 'x' } };
    expect(Object.keys(selectElements(task, ['status'])).sort()).toEqual(['id', 'meta', 'resourceType', 'status']);
  });
});

describe('summarize (_summary)', () => {
  const summaryElements = new Set(['identifier', 'name', 'birthDate', 'deceased']);
  it.each([
    ['true', ['birthDate', 'deceasedBoolean', 'id', 'identifier', 'meta', 'name', 'resourceType']],
    ['data', ['birthDate', 'contact', 'deceasedBoolean', 'id', 'identifier', 'meta', 'name', 'photo', 'resourceType']],
    ['text', ['id', 'meta', 'resourceType', 'text']],
  ] as const)('_summary=%s keeps %j', (mode, keys) => {
    const result = summarize(patient, mode, summaryElements);
    expect(Object.keys(result).sort()).toEqual(keys);
    expect(result.meta?.tag).toContainEqual(SUBSETTED_TAG);
  });

  it('_summary=false returns the resource as it is', () => {
    expect(summarize(patient, 'false', summaryElements)).toBe(patient);
  });
});
