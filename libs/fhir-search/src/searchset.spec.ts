import type { OperationOutcome, Patient, Task } from '@medplum/fhirtypes';
import { Searchset, searchsetBundle, searchsetJson } from './searchset';

const task: Task = { resourceType: 'Task', id: 't1', status: 'requested', intent: 'order', owner: { reference: 'Practitioner/p "1"' } };
// As PostgreSQL prints jsonb: keys by length, a space after ':' and ','.
const taskJson = '{"id": "t2", "intent": "order", "status": "requested", "resourceType": "Task", "description": "ünïcode \\u00e9 \\"q\\""}';
const patient: Patient = { resourceType: 'Patient', id: 'p1', name: [{ family: 'Chalmers' }] };
const outcome: OperationOutcome = {
  resourceType: 'OperationOutcome',
  issue: [{ severity: 'warning', code: 'not-supported', details: { text: 'Unknown parameter x: ignored' }, expression: ['x'] }],
};
const links = [
  { relation: 'self', url: 'http://h/fhir/R4/Task?owner=a%2Fb&status=requested' },
  { relation: 'next', url: 'http://h/fhir/R4/Task?owner=a%2Fb&_cursor=eyJ9' },
];

const cases: [string, Searchset][] = [
  ['no entries', { link: links.slice(0, 1), entry: [] }],
  ['a total and no entries', { total: 0, link: links.slice(0, 1), entry: [] }],
  [
    'objects and JSON text, every mode',
    {
      total: 3,
      link: links,
      entry: [
        { resource: outcome, mode: 'outcome' },
        { fullUrl: 'http://h/fhir/R4/Task/t1', resource: task, mode: 'match' },
        { fullUrl: 'http://h/fhir/R4/Task/t2', resource: { json: taskJson }, mode: 'match' },
        { fullUrl: 'http://h/fhir/R4/Patient/p1', resource: patient, mode: 'include' },
      ],
    },
  ],
];

describe('searchset rendering', () => {
  it.each(cases)('%s: the JSON text is the object form, member for member and in order', (_name, searchset) => {
    const text = searchsetJson(searchset);
    const bundle = searchsetBundle(searchset);
    expect(JSON.parse(text)).toEqual(bundle);
    expect(JSON.stringify(JSON.parse(text))).toBe(JSON.stringify(bundle));
  });

  it('splices JSON text verbatim and parses it for the object form', () => {
    const searchset: Searchset = { link: links, entry: [{ fullUrl: 'http://h/fhir/R4/Task/t2', resource: { json: taskJson }, mode: 'match' }] };
    expect(searchsetJson(searchset)).toContain(`"resource":${taskJson},"search":{"mode":"match"}`);
    expect(searchsetBundle(searchset).entry?.[0].resource).toEqual({
      resourceType: 'Task',
      id: 't2',
      intent: 'order',
      status: 'requested',
      description: 'ünïcode é "q"',
    });
  });

  it('starts like every Bundle we serialize: resourceType, type, total, link, entry', () => {
    const text = searchsetJson(cases[2][1]);
    expect(Object.keys(JSON.parse(text))).toEqual(['resourceType', 'type', 'total', 'link', 'entry']);
    expect(text.startsWith('{"resourceType":"Bundle","type":"searchset","total":3,"link":[')).toBe(true);
  });
});
