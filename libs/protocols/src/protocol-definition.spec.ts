import type { PlanDefinition, PlanDefinitionAction } from '@medplum/fhirtypes';
import { isCoordinationProtocol, protocolProblems, readProtocol } from './protocol-definition';
import { DUE_BUSINESS_DAYS_EXTENSION, OWNER_RULE_EXTENSION, READY_AFTER_EXTENSION } from './protocol-model';

const TASK_CODE = 'http://liaison.health/fhir/CodeSystem/task-code';
const UCUM = 'http://unitsofmeasure.org';

const leaf = (extra: Partial<PlanDefinitionAction> = {}): PlanDefinitionAction => ({
  id: 'contact',
  title: 'Call the patient',
  code: [{ coding: [{ system: TASK_CODE, code: 'post-discharge-contact' }] }],
  trigger: [{ type: 'named-event', name: 'encounter.discharged' }],
  extension: [{ url: DUE_BUSINESS_DAYS_EXTENSION, valueInteger: 2 }],
  ...extra,
});

const pd = (actions: PlanDefinitionAction[], extra: Partial<PlanDefinition> = {}): PlanDefinition => ({
  resourceType: 'PlanDefinition',
  url: 'http://liaison.health/fhir/PlanDefinition/test',
  name: 'Test',
  status: 'active',
  action: actions,
  ...extra,
});

describe('protocolProblems', () => {
  it('accepts a minimal protocol', () => {
    expect(protocolProblems(pd([leaf()]))).toEqual([]);
  });

  it.each<[string, PlanDefinition, RegExp]>([
    ['no url', pd([leaf()], { url: undefined }), /url is required/],
    ['a name breaking pdf-0', pd([leaf()], { name: 'bad name' }), /pdf-0/],
    ['no actions', pd([]), /no actions/],
    ['a leaf without id', pd([leaf({ id: undefined })]), /needs an id/],
    ['duplicate ids', pd([leaf(), leaf()]), /not unique/],
    ['no task code', pd([leaf({ code: [] })]), /exactly one code/],
    ['an unknown task code', pd([leaf({ code: [{ coding: [{ system: TASK_CODE, code: 'make-coffee' }] }] })]), /unknown task code make-coffee/],
    ['no trigger', pd([leaf({ trigger: [] })]), /no trigger/],
    ['an unknown event', pd([leaf({ trigger: [{ type: 'named-event', name: 'patient.sneezed' }] })]), /unknown event patient.sneezed/],
    ['a data-event trigger', pd([leaf({ trigger: [{ type: 'data-changed' }] })]), /named-event/],
    [
      'an unparseable condition',
      pd([leaf({ condition: [{ kind: 'applicability', expression: { language: 'text/fhirpath', expression: "%a = = 'x'" } }] })]),
      /cannot parse/,
    ],
    [
      'the clock in a condition',
      pd([leaf({ condition: [{ kind: 'applicability', expression: { language: 'text/fhirpath', expression: '%eventTime < now()' } }] })]),
      /not the clock functions/,
    ],
    [
      'a CQL condition',
      pd([leaf({ condition: [{ kind: 'applicability', expression: { language: 'text/cql', expression: 'true' } }] })]),
      /text\/fhirpath/,
    ],
    ['no due time', pd([leaf({ extension: [] })]), /needs a due time/],
    ['both due forms', pd([leaf({ timingDuration: { value: 1, system: UCUM, code: 'd' } })]), /not both/],
    ['negative business days', pd([leaf({ extension: [{ url: DUE_BUSINESS_DAYS_EXTENSION, valueInteger: -1 }] })]), /non-negative/],
    ['a non-UCUM duration', pd([leaf({ extension: [], timingDuration: { value: 2, system: 'http://x', code: 'bd' } })]), /must be UCUM/],
    ['months', pd([leaf({ extension: [], timingDuration: { value: 1, system: UCUM, code: 'mo' } })]), /must be UCUM/],
    ['fractional days', pd([leaf({ extension: [], timingDuration: { value: 1.5, system: UCUM, code: 'd' } })]), /whole/],
    [
      'an unknown owner rule',
      pd([leaf({ extension: [{ url: DUE_BUSINESS_DAYS_EXTENSION, valueInteger: 1 }, { url: OWNER_RULE_EXTENSION, valueCode: 'lottery' }] })]),
      /unknown owner rule lottery/,
    ],
    [
      'ready-after without a duration',
      pd([leaf({ extension: [{ url: DUE_BUSINESS_DAYS_EXTENSION, valueInteger: 1 }, { url: READY_AFTER_EXTENSION, valueInteger: 3 }] })]),
      /ready-after needs a valueDuration/,
    ],
    ['an unknown definition', pd([leaf({ definitionCanonical: '#nothing' })]), /not a known ActivityDefinition/],
    [
      'an action type other than create/remove',
      pd([leaf({ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/action-type', code: 'fire-event' }] } })]),
      /not supported/,
    ],
  ])('%s', (_case, definition, problem) => {
    const problems = protocolProblems(definition);
    expect(problems.some((p) => problem.test(p))).toBe(true);
    expect(() => readProtocol(definition)).toThrow(/is not a valid protocol/);
  });
});

describe('readProtocol', () => {
  it('passes group triggers and conditions down to leaf actions, group first', () => {
    const definition = pd([
      {
        title: 'group',
        trigger: [{ type: 'named-event', name: 'encounter.discharged' }],
        condition: [{ kind: 'applicability', expression: { language: 'text/fhirpath', expression: "%event = 'encounter.discharged'" } }],
        action: [
          leaf({
            trigger: [{ type: 'named-event', name: 'coverage.changed' }],
            condition: [{ kind: 'applicability', expression: { language: 'text/fhirpath', expression: 'true' } }],
          }),
        ],
      },
    ]);
    const [action] = readProtocol(definition);
    expect(action.triggers).toEqual(['encounter.discharged', 'coverage.changed']);
    expect(action.conditions.map((c) => c.expression)).toEqual(["%event = 'encounter.discharged'", 'true']);
    expect(action).toMatchObject({ id: 'contact', type: 'create', taskCodes: ['post-discharge-contact'], priority: 'routine', ownerRule: 'default-queue' });
    expect(action.due).toEqual({ kind: 'business-days', days: 2 });
  });

  it('reads a remove action, its codes and reason', () => {
    const [action] = readProtocol(
      pd([
        leaf({
          type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/action-type', code: 'remove' }] },
          extension: [],
          reason: [{ text: 'Patient expired' }],
        }),
      ]),
    );
    expect(action).toMatchObject({ type: 'remove', taskCodes: ['post-discharge-contact'], reason: { text: 'Patient expired' } });
  });

  it('resolves an ActivityDefinition by canonical URL', () => {
    const referral = {
      resourceType: 'ActivityDefinition' as const,
      url: 'http://liaison.health/fhir/ActivityDefinition/home-health',
      status: 'active' as const,
      kind: 'ServiceRequest' as const,
      code: { text: 'Home health care' },
    };
    const [action] = readProtocol(pd([leaf({ definitionCanonical: `${referral.url}|1.0.0` })]), [referral]);
    expect(action.request).toBe(referral);
    expect(protocolProblems(pd([leaf({ definitionCanonical: referral.url })]), [{ ...referral, kind: 'Task' as never }])).toEqual([
      `action contact: ${referral.url} must be of kind ServiceRequest`,
    ]);
  });
});

describe('isCoordinationProtocol', () => {
  const cases: [string, PlanDefinition, boolean][] = [
    ['a leaf triggered by a coordination event', pd([leaf()]), true],
    ['a group triggered by one', pd([{ title: 'group', trigger: [{ type: 'named-event', name: 'encounter.admitted' }], action: [leaf({ trigger: undefined })] }]), true],
    ['a nested leaf triggered by one', pd([{ title: 'group', action: [{ title: 'inner', action: [leaf()] }] }]), true],
    ['an invalid protocol still is one (and is refused by protocolProblems)', pd([leaf({ id: undefined })]), true],
    ['an order set without triggers', pd([leaf({ trigger: undefined })]), false],
    ['another named event', pd([leaf({ trigger: [{ type: 'named-event', name: 'lab.resulted' }] })]), false],
    ['a periodic trigger', pd([leaf({ trigger: [{ type: 'periodic', name: 'encounter.discharged' }] })]), false],
    ['no actions', pd([]), false],
  ];
  it.each(cases)('%s', (_name, definition, expected) => {
    expect(isCoordinationProtocol(definition)).toBe(expected);
  });
});
