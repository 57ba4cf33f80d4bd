import { OperationOutcomeError } from '@medplum/core';
import type { Patient, Resource } from '@medplum/fhirtypes';
import { identifierCondition, stampVersion, uniqueIdentifierKeys } from './identity';
import { applyJsonPatch, parseJsonPatch } from './json-patch';
import { httpStatusOf } from './outcomes';

describe('uniqueIdentifierKeys', () => {
  it.each<[string, Resource, string[]]>([
    ['a Patient identifier with system and value', { resourceType: 'Patient', identifier: [{ system: 's', value: '1' }] }, ['s|1']],
    ['the same identifier twice, once', { resourceType: 'Patient', identifier: [{ system: 's', value: '1' }, { system: 's', value: '1', use: 'usual' }] }, ['s|1']],
    ['no system', { resourceType: 'Patient', identifier: [{ value: '1' }] }, []],
    ['retired by a merge (use: old)', { resourceType: 'Patient', identifier: [{ system: 's', value: '1', use: 'old' }] }, []],
    ['not a Patient', { resourceType: 'Practitioner', identifier: [{ system: 's', value: '1' }] }, []],
  ])('%s', (_name, resource, expected) => {
    expect(uniqueIdentifierKeys(resource).map((k) => `${k.system}|${k.value}`)).toEqual(expected);
  });
});

describe('identifierCondition', () => {
  it.each<[string, Record<string, string[]>, string | undefined]>([
    ['Patient', { identifier: ['s|1'] }, 's|1'],
    ['Patient', { identifier: ['s|1|2'] }, 's|1|2'],
    ['Patient', { identifier: ['1'] }, undefined],
    ['Patient', { identifier: ['|1'] }, undefined],
    ['Patient', { identifier: ['s|'] }, undefined],
    ['Patient', { identifier: ['s|1,s|2'] }, undefined],
    ['Patient', { identifier: ['s|1'], name: ['x'] }, undefined],
    ['Patient', { identifier: ['s|1', 's|2'] }, undefined],
    ['Task', { identifier: ['s|1'] }, undefined],
  ])('%s?%j', (type, query, expected) => {
    const key = identifierCondition(type, query);
    expect(key && `${key.system}|${key.value}`).toBe(expected);
  });
});

describe('stampVersion', () => {
  it('sets id and meta, keeps the rest, and puts resourceType, id, meta first', () => {
    const stamped = stampVersion(
      { name: [{ family: 'X' }], id: 'theirs', meta: { profile: ['p'], versionId: '9' }, resourceType: 'Patient' } as Patient,
      'ours',
      2,
      '2026-01-01T00:00:00.000Z',
    );
    expect(stamped).toEqual({ resourceType: 'Patient', id: 'ours', meta: { profile: ['p'], versionId: '2', lastUpdated: '2026-01-01T00:00:00.000Z' }, name: [{ family: 'X' }] });
    expect(Object.keys(stamped).slice(0, 3)).toEqual(['resourceType', 'id', 'meta']);
  });
});

describe('JSON Patch', () => {
  const patient: Patient = { resourceType: 'Patient', id: '1', name: [{ family: 'X' }] };
  const status = (work: () => unknown): number | 'ok' => {
    try {
      work();
      return 'ok';
    } catch (error) {
      return httpStatusOf((error as OperationOutcomeError).outcome);
    }
  };

  it('applies a patch to a copy', () => {
    const patched = applyJsonPatch(patient, parseJsonPatch([{ op: 'add', path: '/gender', value: 'female' }, { op: 'replace', path: '/name/0/family', value: 'Y' }]));
    expect(patched).toEqual({ ...patient, gender: 'female', name: [{ family: 'Y' }] });
    expect(patient.name?.[0].family).toBe('X');
  });

  it.each<[string, unknown, number | 'ok']>([
    ['a failed test', [{ op: 'test', path: '/name/0/family', value: 'Z' }], 409],
    ['a missing path', [{ op: 'replace', path: '/birthDate', value: '2000-01-01' }], 400],
    ['a changed id', [{ op: 'replace', path: '/id', value: '2' }], 400],
    ['a changed type', [{ op: 'replace', path: '/resourceType', value: 'Task' }], 400],
    ['not an array', { op: 'add' }, 400],
    ['an unknown op', [{ op: 'merge', path: '/a' }], 400],
    ['add without value', [{ op: 'add', path: '/a' }], 400],
    ['a path that is no pointer', [{ op: 'remove', path: 'gender' }], 400],
  ])('%s', (_name, body, expected) => {
    expect(status(() => applyJsonPatch(patient, parseJsonPatch(body)))).toBe(expected);
  });
});
