import { formatScope, intersectScopes, parseScope, ResourceScope, scopeCovers, splitScopes, systemScope } from './scope';

describe('parseScope', () => {
  it.each<[string, Partial<ResourceScope>]>([
    ['system/Task.cruds', { context: 'system', resourceType: 'Task', interactions: ['c', 'r', 'u', 'd', 's'], syntax: 'v2' }],
    ['system/*.rs', { context: 'system', resourceType: '*', interactions: ['r', 's'], syntax: 'v2' }],
    ['system/Patient.r', { resourceType: 'Patient', interactions: ['r'] }],
    ['system/Patient.s', { interactions: ['s'] }],
    ['system/Task.cud', { interactions: ['c', 'u', 'd'] }],
    ['system/Task.cd', { interactions: ['c', 'd'] }],
    ['system/Task.us', { interactions: ['u', 's'] }],
    ['user/Observation.rs', { context: 'user', resourceType: 'Observation' }],
    ['patient/*.r', { context: 'patient', resourceType: '*' }],
    ['system/Patient.read', { interactions: ['r', 's'], syntax: 'v1' }],
    ['system/Patient.write', { interactions: ['c', 'u', 'd'], syntax: 'v1' }],
    ['system/*.*', { resourceType: '*', interactions: ['c', 'r', 'u', 'd', 's'], syntax: 'v1' }],
    ['system/*.read', { resourceType: '*', interactions: ['r', 's'], syntax: 'v1' }],
    ['system/Observation.rs?category=laboratory', { parameters: [{ name: 'category', value: 'laboratory' }] }],
    [
      'system/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs',
      { parameters: [{ name: 'category', value: 'http://terminology.hl7.org/CodeSystem/observation-category|vital-signs' }] },
    ],
    [
      'system/Task.rs?status=ready&code=a|b',
      { parameters: [{ name: 'code', value: 'a|b' }, { name: 'status', value: 'ready' }] },
    ],
    ['system/Task.rs?code=x&code=x', { parameters: [{ name: 'code', value: 'x' }] }],
    ['system/Task.rs?_tag=x', { parameters: [{ name: '_tag', value: 'x' }] }],
    ['system/Task.rs?subject:Patient=Patient/1', { parameters: [{ name: 'subject:Patient', value: 'Patient/1' }] }],
  ])('parses %s', (text, expected) => {
    expect(parseScope(text)).toMatchObject({ parameters: [], ...expected });
  });

  it.each([
    '',
    'openid',
    'fhirUser',
    'launch/patient',
    'offline_access',
    'system/Task',
    'system/Task.',
    'system/.rs',
    'system/task.rs', // resource types start upper-case
    'system/Task.sr', // out of cruds order
    'system/Task.rr', // repeated
    'system/Task.crudsx',
    'system/Task.x',
    'system/Task.Read',
    'system/Task.readwrite',
    'system/Task.rs?', // empty query
    'system/Task.rs?category', // no value
    'system/Task.rs?=x',
    'system/Task.rs?category=',
    'system/Task.rs?a=1&&b=2',
    'system/Task.rs?bad name=1',
    'admin/Task.rs',
    'System/Task.rs',
    'system/Task.rs extra',
    ' system/Task.rs',
    'system/Ta-sk.rs',
    'system/**.rs',
    `system/${'A'.repeat(1100)}.rs`,
  ])('refuses %j', (text) => {
    expect(parseScope(text)).toBeUndefined();
  });
});

describe('splitScopes', () => {
  it.each<[string | undefined, string[]]>([
    [undefined, []],
    ['', []],
    ['   ', []],
    ['system/Task.rs', ['system/Task.rs']],
    ['system/Task.rs system/Patient.r', ['system/Task.rs', 'system/Patient.r']],
    ['  system/Task.rs   system/Patient.r ', ['system/Task.rs', 'system/Patient.r']],
  ])('%j → %j', (value, expected) => {
    expect(splitScopes(value)).toEqual(expected);
  });
});

describe('formatScope', () => {
  it.each([
    ['system/Task.cruds', 'system/Task.cruds'],
    ['system/*.*', 'system/*.cruds'],
    ['system/Patient.read', 'system/Patient.rs'],
    ['system/Patient.write', 'system/Patient.cud'],
    ['system/Task.rs?status=ready&code=x', 'system/Task.rs?code=x&status=ready'],
  ])('writes %s as %s', (text, expected) => {
    expect(formatScope(parseScope(text)!)).toBe(expected);
  });
});

describe('scopeCovers', () => {
  it.each<[string, string, boolean]>([
    ['system/*.cruds', 'system/Task.rs', true],
    ['system/*.*', 'system/Task.cruds', true],
    ['system/Task.cruds', 'system/Task.r', true],
    ['system/Task.rs', 'system/Task.rs', true],
    ['system/Task.read', 'system/Task.rs', true],
    ['system/Task.rs', 'system/Task.read', true],
    ['system/Task.rs', 'system/Task.rs?status=ready', true],
    ['system/Task.rs?status=ready', 'system/Task.rs?status=ready&code=x', true],
    ['system/Task.rs?status=ready', 'system/Task.rs', false],
    ['system/Task.rs?status=ready', 'system/Task.rs?status=done', false],
    ['system/Task.rs', 'system/Task.cruds', false],
    ['system/Task.rs', 'system/*.rs', false],
    ['system/Task.rs', 'system/Patient.rs', false],
    ['system/*.rs', 'user/Task.rs', false],
    ['user/*.rs', 'system/Task.rs', false],
    ['system/Task.write', 'system/Task.r', false],
  ])('%s covers %s: %s', (outer, inner, expected) => {
    expect(scopeCovers(parseScope(outer)!, parseScope(inner)!)).toBe(expected);
  });
});

describe('intersectScopes', () => {
  it.each<[string, string, string | undefined]>([
    ['system/*.rs', 'system/Task.cruds', 'system/Task.rs'],
    ['system/Task.cruds', 'system/*.rs', 'system/Task.rs'],
    ['system/*.cruds', 'system/*.read', 'system/*.rs'],
    ['system/Task.cud', 'system/Task.rs', undefined],
    ['system/Task.rs', 'system/Patient.rs', undefined],
    ['system/*.rs', 'patient/*.rs', undefined],
    ['system/Task.rs?status=ready', 'system/*.r', 'system/Task.r?status=ready'],
    ['system/Task.rs?status=ready', 'system/Task.s?code=x', 'system/Task.s?code=x&status=ready'],
    ['system/Task.write', 'system/Task.cruds', 'system/Task.cud'],
  ])('%s ∩ %s = %s', (a, b, expected) => {
    const overlap = intersectScopes(parseScope(a)!, parseScope(b)!);
    expect(overlap && formatScope(overlap)).toBe(expected);
  });
});

describe('systemScope', () => {
  it.each<[string, ('c' | 'r' | 'u' | 'd' | 's')[], string]>([
    ['Task', ['r'], 'system/Task.r'],
    ['Task', ['s', 'r'], 'system/Task.rs'],
    ['*', ['d', 'c', 'u', 's', 'r'], 'system/*.cruds'],
  ])('%s %j → %s', (type, interactions, expected) => {
    expect(systemScope(type, interactions)).toBe(expected);
  });
});
