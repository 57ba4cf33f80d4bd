import { OperationOutcomeError } from '@medplum/core';
import type { Bundle } from '@medplum/fhirtypes';
import {
  collectReferences,
  isConditionalReference,
  isRejected,
  PlannedEntry,
  planBundle,
  processingOrder,
  rewriteReferences,
  statusLine,
} from './bundle-plan';
import { parseRequestUrl } from './request-url';

const BASE = 'https://liaison.example/fhir/R4';

describe('parseRequestUrl', () => {
  it.each([
    ['Patient', { resourceType: 'Patient', query: {} }],
    ['Patient/1', { resourceType: 'Patient', id: '1', query: {} }],
    ['/Patient/1', { resourceType: 'Patient', id: '1', query: {} }],
    [`${BASE}/Patient/1`, { resourceType: 'Patient', id: '1', query: {} }],
    ['Patient/1/_history', { resourceType: 'Patient', id: '1', history: true, query: {} }],
    ['Patient/1/_history/3', { resourceType: 'Patient', id: '1', versionId: '3', query: {} }],
    ['Patient/_history', { resourceType: 'Patient', history: true, query: {} }],
    ['Patient/$validate', { resourceType: 'Patient', operation: 'validate', query: {} }],
    ['Patient?identifier=a|b&name=x&name=y', { resourceType: 'Patient', query: { identifier: ['a|b'], name: ['x', 'y'] } }],
  ])('%s', (url, expected) => {
    expect(parseRequestUrl(url, BASE)).toEqual(expected);
  });

  it.each(['', 'patient/1', 'https://elsewhere.example/fhir/Patient/1', 'Patient/1/_history/2/extra'])('refuses %j', (url) => {
    expect(() => parseRequestUrl(url, BASE)).toThrow(OperationOutcomeError);
  });
});

describe('planBundle', () => {
  const post = (type: string, fullUrl?: string) => ({ fullUrl, resource: { resourceType: type }, request: { method: 'POST', url: type } });

  it('plans each entry of a batch, rejecting only the entries it cannot understand', () => {
    const plan = planBundle(
      { resourceType: 'Bundle', type: 'batch', entry: [post('Patient'), { request: { method: 'PUT', url: 'Patient' } }, { request: { method: 'GET', url: 'Patient/1' } }] } as Bundle,
      BASE,
    );
    expect(plan.entries.map((entry) => (isRejected(entry) ? 'rejected' : entry.method))).toEqual(['POST', 'rejected', 'GET']);
  });

  it.each<[string, Bundle]>([
    ['a collection', { resourceType: 'Bundle', type: 'collection' }],
    ['a transaction with an entry it cannot understand', { resourceType: 'Bundle', type: 'transaction', entry: [{ request: { method: 'POST', url: 'Patient' } }] } as Bundle],
    ['a transaction with a fullUrl twice', { resourceType: 'Bundle', type: 'transaction', entry: [post('Patient', 'urn:uuid:1'), post('Task', 'urn:uuid:1')] } as Bundle],
    [
      'a transaction writing one resource twice',
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'DELETE', url: 'Patient/1' } }, { resource: { resourceType: 'Patient', id: '1' }, request: { method: 'PUT', url: 'Patient/1' } }],
      } as Bundle,
    ],
    ['a POST whose resource is of another type', { resourceType: 'Bundle', type: 'transaction', entry: [{ resource: { resourceType: 'Task' }, request: { method: 'POST', url: 'Patient' } }] } as Bundle],
  ])('refuses %s', (_name, bundle) => {
    expect(() => planBundle(bundle, BASE)).toThrow(OperationOutcomeError);
  });

  it('reads a JSON Patch carried in a Binary', () => {
    const data = Buffer.from(JSON.stringify([{ op: 'remove', path: '/gender' }])).toString('base64');
    const plan = planBundle(
      {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { resourceType: 'Binary', contentType: 'application/json-patch+json', data }, request: { method: 'PATCH', url: 'Patient/1' } }],
      } as Bundle,
      BASE,
    );
    expect((plan.entries[0] as PlannedEntry).patch).toEqual([{ op: 'remove', path: '/gender' }]);
  });
});

describe('processingOrder', () => {
  it('runs DELETE, POST, PUT/PATCH, then GET/HEAD, keeping request order within each', () => {
    const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'POST', 'HEAD', 'DELETE'] as const;
    const ordered = processingOrder(methods.map((method, index) => ({ index, method })));
    expect(ordered.map((entry) => `${entry.method}${entry.index}`)).toEqual(['DELETE3', 'DELETE7', 'POST2', 'POST5', 'PUT1', 'PATCH4', 'GET0', 'HEAD6']);
  });
});

describe('references', () => {
  const task = {
    resourceType: 'Task',
    for: { reference: 'urn:uuid:p' },
    basedOn: [{ reference: 'urn:uuid:plan' }, { reference: 'CarePlan/kept' }],
    input: [{ type: { text: 'x' }, valueReference: { reference: 'Patient?identifier=a|b' } }],
    note: [{ text: 'reference' }],
  };

  it('collects every Reference.reference', () => {
    expect([...collectReferences(task)].sort()).toEqual(['CarePlan/kept', 'Patient?identifier=a|b', 'urn:uuid:p', 'urn:uuid:plan']);
  });

  it('rewrites the references it knows and shares what it does not change', () => {
    const map = new Map([
      ['urn:uuid:p', 'Patient/1'],
      ['urn:uuid:plan', 'CarePlan/2'],
    ]);
    const rewritten = rewriteReferences(task, (ref) => map.get(ref));
    expect(rewritten.for.reference).toBe('Patient/1');
    expect(rewritten.basedOn.map((r) => r.reference)).toEqual(['CarePlan/2', 'CarePlan/kept']);
    expect(rewritten.input).toBe(task.input);
    expect(task.for.reference).toBe('urn:uuid:p');
  });

  it.each([
    ['Patient?identifier=a|b', true],
    ['Patient/1', false],
    ['urn:uuid:1', false],
    ['Patient?', false],
  ])('%s is conditional: %s', (reference, expected) => {
    expect(isConditionalReference(reference)).toBe(expected);
  });

  it('writes status lines', () => {
    expect([statusLine(201), statusLine(412), statusLine(299)]).toEqual(['201 Created', '412 Precondition Failed', '299']);
  });
});
