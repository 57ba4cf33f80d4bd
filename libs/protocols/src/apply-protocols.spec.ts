import { transitionTask } from '@liaison/task-workflow';
import type { CarePlan, PlanDefinition, ServiceRequest, Task } from '@medplum/fhirtypes';
import { applyProtocols, ApplyProtocolsInput, ProtocolResult } from './apply-protocols';
import { ExistingPlan, PlanResource, ProtocolContext } from './protocol-model';
import { revisePlans } from './revise-plans';
import {
  careTeam,
  context,
  COORDINATORS,
  coverage,
  DEFAULT_QUEUE,
  encounter,
  materialize,
  newId,
  order,
  PD,
  PROTOCOLS,
  settings,
  validationErrors,
} from './testing/fixtures';

const TASK_CODE = 'http://liaison.health/fhir/CodeSystem/task-code';
const ACTIVITY = 'http://liaison.health/fhir/identifier/plan-activity';
const PLAN = 'http://liaison.health/fhir/identifier/care-plan';
const [ANA, BEN] = COORDINATORS;

/** Friday after Thanksgiving, 15:00 in New York. */
const DISCHARGE = '2026-11-27T15:00:00-05:00';
const NOW = '2026-11-27T15:00:05.000-05:00';

function apply(ctx: ProtocolContext, extra: Partial<ApplyProtocolsInput> = {}): ProtocolResult {
  return applyProtocols({ protocols: PROTOCOLS, context: ctx, plans: [], settings, now: NOW, newId, ...extra });
}

const discharged = (extra: Partial<Omit<ProtocolContext, 'event'>> = {}, at = DISCHARGE): ProtocolContext =>
  context('encounter.discharged', at, extra);

const tasksOf = (resources: readonly PlanResource[]): Task[] => resources.filter((r): r is Task => r.resourceType === 'Task');
const plansOf = (resources: readonly PlanResource[]): CarePlan[] => resources.filter((r): r is CarePlan => r.resourceType === 'CarePlan');
const requestsOf = (resources: readonly PlanResource[]): ServiceRequest[] =>
  resources.filter((r): r is ServiceRequest => r.resourceType === 'ServiceRequest');
const codeOf = (task: Task): string | undefined => task.code?.coding?.find((c) => c.system === TASK_CODE)?.code;

/** One line per Task: code, status, due, priority, owner. */
function summary(tasks: readonly Task[]): string[] {
  return tasks
    .map((task) =>
      [codeOf(task), task.status, task.restriction?.period?.end, task.priority, task.owner?.reference].join(' | '),
    )
    .sort();
}

/** Every resource the decision creates or changes passes the store's validation. */
function expectValid(result: { create: readonly PlanResource[]; update: readonly PlanResource[] }): void {
  for (const resource of [...result.create, ...result.update]) {
    expect([resource.resourceType, resource.id, validationErrors(resource)]).toEqual([resource.resourceType, resource.id, []]);
  }
}

describe('discharge home (PV1-36 01) on Friday 2026-11-27 15:00 New York', () => {
  const result = apply(discharged());

  it('creates one active CarePlan for the encounter with the transitional-care Tasks', () => {
    expect(summary(tasksOf(result.create))).toEqual([
      'check-up-reminder | draft | 2027-01-03T23:59:59.999-05:00 | routine | Practitioner/coord-ben',
      'follow-up-appointment | ready | 2026-12-04T23:59:59.999-05:00 | routine | Practitioner/coord-ben',
      'medication-reconciliation | ready | 2026-12-04T23:59:59.999-05:00 | routine | Practitioner/coord-ben',
      'post-discharge-contact | ready | 2026-12-01T23:59:59.999-05:00 | urgent | Practitioner/coord-ben',
    ]);
    expect(result.update).toEqual([]);
    expect(requestsOf(result.create)).toEqual([]);
    const [plan] = plansOf(result.create);
    expect(plansOf(result.create)).toHaveLength(1);
    expect(plan).toMatchObject({
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/pat-1' },
      encounter: { reference: 'Encounter/enc-1' },
      period: { start: DISCHARGE },
      created: NOW,
      identifier: [{ system: PLAN, value: 'Encounter/enc-1|encounter.discharged|1' }],
      instantiatesCanonical: [PD('discharge-home'), PD('check-up-reminders')],
      category: [{ coding: [{ system: 'http://liaison.health/fhir/CodeSystem/coordination-event', code: 'encounter.discharged' }] }],
      meta: { profile: ['http://liaison.health/fhir/StructureDefinition/liaison-careplan'] },
    });
    expect(plan.activity?.map((a) => a.reference?.reference).sort()).toEqual(tasksOf(result.create).map((t) => `Task/${t.id}`).sort());
  });

  it('builds each Task completely (the contract other modules read)', () => {
    const [plan] = plansOf(result.create);
    const contact = tasksOf(result.create).find((t) => codeOf(t) === 'post-discharge-contact');
    const key = 'Encounter/enc-1|encounter.discharged|1|http://liaison.health/fhir/PlanDefinition/discharge-home#post-discharge-contact';
    expect(contact).toEqual({
      resourceType: 'Task',
      id: newId(`${ACTIVITY}|${key}`),
      meta: { profile: ['http://liaison.health/fhir/StructureDefinition/liaison-task'] },
      identifier: [{ system: ACTIVITY, value: key }],
      instantiatesUri: `${PD('discharge-home')}#post-discharge-contact`,
      basedOn: [{ reference: `CarePlan/${plan.id}` }],
      groupIdentifier: { system: PLAN, value: 'Encounter/enc-1|encounter.discharged|1' },
      status: 'ready',
      intent: 'order',
      priority: 'urgent',
      code: { coding: [{ system: TASK_CODE, code: 'post-discharge-contact', display: 'Post-discharge contact' }], text: 'Post-discharge contact' },
      description: 'Contact the patient within 2 business days of discharge',
      for: { reference: 'Patient/pat-1' },
      encounter: { reference: 'Encounter/enc-1' },
      authoredOn: NOW,
      lastModified: NOW,
      owner: BEN,
      restriction: { period: { end: '2026-12-01T23:59:59.999-05:00' } },
    });
    expect(plan.id).toBe(newId(`${PLAN}|Encounter/enc-1|encounter.discharged|1`));
  });

  it('schedules the check-up reminder as a draft that becomes ready 30 days later', () => {
    const reminder = tasksOf(result.create).find((t) => codeOf(t) === 'check-up-reminder');
    expect(reminder?.restriction).toEqual({
      period: { start: '2026-12-27T00:00:00.000-05:00', end: '2027-01-03T23:59:59.999-05:00' },
    });
  });

  it('takes the next coordinator in turn, once per encounter', () => {
    expect(result.roundRobinNext).toBe(2);
  });

  it('makes only valid resources', () => {
    expectValid(result);
  });
});

describe('due dates around holidays and DST', () => {
  const contactDue = (at: string, extra: Partial<Omit<ProtocolContext, 'event'>> = {}): string | undefined =>
    tasksOf(apply(discharged(extra, at)).create).find((t) => codeOf(t) === 'post-discharge-contact')?.restriction?.period?.end;

  it.each([
    ['Wednesday before Thanksgiving: Thursday skipped', '2026-11-25T15:00:00-05:00', '2026-11-30T23:59:59.999-05:00'],
    ['Thanksgiving evening', '2026-11-26T20:00:00-05:00', '2026-11-30T23:59:59.999-05:00'],
    ['Monday before Veterans Day (Wednesday)', '2026-11-09T11:00:00-05:00', '2026-11-12T23:59:59.999-05:00'],
    ['Friday before the fall-back weekend', '2026-10-30T16:00:00-04:00', '2026-11-03T23:59:59.999-05:00'],
    ['late Friday night in New York (Saturday in UTC)', '2026-11-20T22:30:00-05:00', '2026-11-24T23:59:59.999-05:00'],
    ['Thursday before the observed Independence Day', '2026-07-02T12:00:00-04:00', '2026-07-07T23:59:59.999-04:00'],
  ])('%s', (_case, at, expected) => {
    expect(contactDue(at, { encounter: encounter({ end: at }) })).toBe(expected);
  });

  it('counts follow-up days in calendar days to the end of the day, across fall-back', () => {
    const at = '2026-10-30T16:00:00-04:00';
    const followUp = tasksOf(apply(discharged({ encounter: encounter({ end: at }) }, at)).create).find(
      (t) => codeOf(t) === 'follow-up-appointment',
    );
    expect(followUp?.restriction?.period?.end).toBe('2026-11-06T23:59:59.999-05:00');
  });
});

describe('which protocols apply', () => {
  const codes = (ctx: ProtocolContext): string[] => tasksOf(apply(ctx).create).map(codeOf).sort() as string[];

  it.each<[string, Partial<Omit<ProtocolContext, 'event'>>, string[]]>([
    ['home (01)', {}, ['check-up-reminder', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact']],
    [
      'home, FHIR discharge-disposition "home"',
      { encounter: encounter({ disposition: { system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'home' } }) },
      ['check-up-reminder', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact'],
    ],
    [
      'home with home health (06)',
      { encounter: encounter({ disposition: '06' }) },
      ['check-up-reminder', 'follow-up-appointment', 'home-health', 'medication-reconciliation', 'post-discharge-contact'],
    ],
    ['skilled nursing (03)', { encounter: encounter({ disposition: '03' }) }, ['medication-reconciliation', 'post-discharge-contact']],
    ['inpatient rehab (62)', { encounter: encounter({ disposition: '62' }) }, ['medication-reconciliation', 'post-discharge-contact']],
    [
      'skilled nursing, FHIR "snf"',
      { encounter: encounter({ disposition: { system: 'http://terminology.hl7.org/CodeSystem/discharge-disposition', code: 'snf' } }) },
      ['medication-reconciliation', 'post-discharge-contact'],
    ],
    [
      'left against medical advice (07)',
      { encounter: encounter({ disposition: '07' }) },
      ['follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact'],
    ],
    ['expired (20)', { encounter: encounter({ disposition: '20' }) }, ['bereavement-outreach']],
    ['expired (20) without coverage: no financial assistance', { encounter: encounter({ disposition: '20' }), coverages: [] }, ['bereavement-outreach']],
    ['an emergency visit is not an inpatient discharge', { encounter: encounter({ class: 'EMER' }) }, []],
    ['no disposition', { encounter: { ...encounter(), hospitalization: {} } }, []],
    [
      'home with a DME order',
      { serviceRequests: [order('durable-medical-equipment')] },
      ['check-up-reminder', 'durable-medical-equipment', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact'],
    ],
    [
      'home with a completed DME order',
      { serviceRequests: [order('durable-medical-equipment', 'completed')] },
      ['check-up-reminder', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact'],
    ],
    [
      'home with a wheelchair arrangement',
      { encounter: encounter({ wheelchair: true }) },
      ['check-up-reminder', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact', 'transportation'],
    ],
    [
      'home with a transportation order',
      { serviceRequests: [order('transportation')] },
      ['check-up-reminder', 'follow-up-appointment', 'medication-reconciliation', 'post-discharge-contact', 'transportation'],
    ],
  ])('%s', (_case, extra, expected) => {
    expect(codes(discharged(extra))).toEqual(expected);
  });

  it('a low-complexity discharge gets 14 days for the follow-up visit', () => {
    const tasks = tasksOf(apply(discharged({ encounter: encounter({ complexity: 'low' }) })).create);
    const followUps = tasks.filter((t) => codeOf(t) === 'follow-up-appointment');
    expect(followUps.map((t) => [t.instantiatesUri, t.restriction?.period?.end])).toEqual([
      [`${PD('discharge-home')}#follow-up-appointment-low-complexity`, '2026-12-11T23:59:59.999-05:00'],
    ]);
    const moderate = tasksOf(apply(discharged({ encounter: encounter({ complexity: 'moderate' }) })).create);
    expect(moderate.filter((t) => codeOf(t) === 'follow-up-appointment').map((t) => t.restriction?.period?.end)).toEqual([
      '2026-12-04T23:59:59.999-05:00',
    ]);
  });

  it('skilled nursing: exact due dates and priorities', () => {
    expect(summary(tasksOf(apply(discharged({ encounter: encounter({ disposition: '03' }) })).create))).toEqual([
      'medication-reconciliation | ready | 2026-11-30T23:59:59.999-05:00 | urgent | Practitioner/coord-ben',
      'post-discharge-contact | ready | 2026-11-30T23:59:59.999-05:00 | urgent | Practitioner/coord-ben',
    ]);
  });

  it('against medical advice: exact due dates and priorities', () => {
    expect(summary(tasksOf(apply(discharged({ encounter: encounter({ disposition: '07' }) })).create))).toEqual([
      'follow-up-appointment | ready | 2026-12-04T23:59:59.999-05:00 | urgent | Practitioner/coord-ben',
      'medication-reconciliation | ready | 2026-12-01T23:59:59.999-05:00 | urgent | Practitioner/coord-ben',
      'post-discharge-contact | ready | 2026-11-30T23:59:59.999-05:00 | asap | Practitioner/coord-ben',
    ]);
  });

  it('ignores PlanDefinitions that are not active', () => {
    const drafted = PROTOCOLS.map((pd) => (pd.id === 'discharge-home' ? { ...pd, status: 'draft' as const } : pd));
    expect(tasksOf(apply(discharged(), { protocols: drafted }).create).map(codeOf)).toEqual(['check-up-reminder']);
  });

  it('fails loudly, naming the action, when a condition cannot be evaluated', () => {
    const broken: PlanDefinition = JSON.parse(JSON.stringify(PROTOCOLS.find((pd) => pd.id === 'discharge-home')));
    broken.action![0].condition![0].expression!.expression = "%undefinedVariable = 'x'";
    expect(() => apply(discharged(), { protocols: [broken] })).toThrow(/discharge-home#post-discharge-contact: condition .* failed/);
  });

  it('refuses events it does not handle and a missing encounter', () => {
    expect(() => apply(context('encounter.discharge-cancelled', DISCHARGE))).toThrow(/revisePlans/);
    expect(() => apply(discharged({ encounter: undefined }))).toThrow(/needs the encounter/);
  });
});

describe('home health (06): a referral and a Task to arrange it', () => {
  const result = apply(discharged({ encounter: encounter({ disposition: '06' }) }));
  const [request] = requestsOf(result.create);
  const arrange = tasksOf(result.create).find((t) => codeOf(t) === 'home-health');
  const [plan] = plansOf(result.create);

  it('creates the ServiceRequest', () => {
    expect(requestsOf(result.create)).toHaveLength(1);
    expect(request).toMatchObject({
      status: 'active',
      intent: 'order',
      priority: 'urgent',
      code: { coding: [{ system: TASK_CODE, code: 'home-health' }], text: 'Home health care' },
      category: [{ coding: [{ system: 'http://snomed.info/sct', code: '3457005' }] }],
      subject: { reference: 'Patient/pat-1' },
      encounter: { reference: 'Encounter/enc-1' },
      basedOn: [{ reference: `CarePlan/${plan.id}` }],
      instantiatesCanonical: [PD('discharge-home-health')],
      authoredOn: NOW,
      meta: { profile: ['http://liaison.health/fhir/StructureDefinition/liaison-servicerequest'] },
    });
  });

  it('focuses the arranging Task on it, due the next business day', () => {
    expect(arrange).toMatchObject({
      focus: { reference: `ServiceRequest/${request.id}` },
      priority: 'urgent',
      status: 'ready',
      restriction: { period: { end: '2026-11-30T23:59:59.999-05:00' } },
    });
  });

  it('lists both in the plan', () => {
    expect(plan.activity?.map((a) => a.reference?.reference)).toEqual(
      expect.arrayContaining([`ServiceRequest/${request.id}`, `Task/${arrange?.id}`]),
    );
    expect(plan.instantiatesCanonical).toEqual([PD('discharge-home'), PD('discharge-home-health'), PD('check-up-reminders')]);
  });

  it('makes only valid resources', () => {
    expectValid(result);
  });
});

describe('coverage: no active Coverage for the encounter period → financial assistance', () => {
  const financial = (coverages: ReturnType<typeof coverage>[]): Task[] =>
    tasksOf(apply(discharged({ coverages })).create).filter((t) => codeOf(t) === 'financial-assistance');

  it.each<[string, ReturnType<typeof coverage>[], boolean]>([
    ['no Coverage at all', [], true],
    ['a cancelled Coverage', [coverage('cancelled')], true],
    ['a Coverage that ended the year before', [coverage('active', { start: '2025-01-01', end: '2025-12-31' })], true],
    ['a Coverage that starts after discharge', [coverage('active', { start: '2026-12-01' })], true],
    ['a Coverage ending on the admission day', [coverage('active', { start: '2025-01-01', end: '2026-11-20' })], false],
    ['a Coverage starting on the discharge day', [coverage('active', { start: '2026-11-27' })], false],
    ['a Coverage with date-times in another zone', [coverage('active', { start: '2026-11-27T23:00:00-08:00' })], false],
    ['an open-ended active Coverage', [coverage('active', { start: '2020-01-01' })], false],
    ['an active Coverage without a period', [coverage('active', undefined)], false],
    ['one lapsed and one current', [coverage('active', { start: '2024-01-01', end: '2024-12-31' }), coverage()], false],
  ])('%s → %s', (_case, coverages, expected) => {
    expect(financial(coverages).length).toBe(expected ? 1 : 0);
  });

  it('is due in 5 business days, for the default queue', () => {
    expect(summary(financial([]))).toEqual([
      'financial-assistance | ready | 2026-12-04T23:59:59.999-05:00 | routine | HealthcareService/care-coordination',
    ]);
  });
});

describe('admission (A01) and continuity into discharge', () => {
  const ADMIT = '2026-11-20T10:00:00-05:00';
  const admitted = apply(context('encounter.admitted', ADMIT, { encounter: { ...encounter(), status: 'in-progress', period: { start: ADMIT } } }), {
    now: '2026-11-20T10:00:03.000-05:00',
  });

  it('introduces a coordinator, verifies coverage, starts discharge planning', () => {
    expect(summary(tasksOf(admitted.create))).toEqual([
      'discharge-planning | ready | 2026-11-21T10:00:00.000-05:00 | routine | Practitioner/coord-ben',
      'introduce-coordinator | ready | 2026-11-23T23:59:59.999-05:00 | routine | Practitioner/coord-ben',
      'verify-coverage | ready | 2026-11-23T23:59:59.999-05:00 | routine | HealthcareService/care-coordination',
    ]);
    expect(plansOf(admitted.create)[0].identifier?.[0].value).toBe('Encounter/enc-1|encounter.admitted|1');
    expect(admitted.roundRobinNext).toBe(2);
    expectValid(admitted);
  });

  it('gives the discharge work to the coordinator who has the encounter, without using a turn', () => {
    const discharge = apply(discharged(), { plans: materialize(admitted), settings: { ...settings, roundRobinNext: 2 } });
    const owners = new Set(tasksOf(discharge.create).map((t) => t.owner?.reference));
    expect(owners).toEqual(new Set([BEN.reference]));
    expect(discharge.roundRobinNext).toBe(2);
    expect(plansOf(discharge.create)).toHaveLength(1);
  });

  it('closes discharge planning of the admission once the patient is discharged alive', () => {
    const plans = materialize(admitted);
    const discharge = apply(discharged(), { plans });
    expect(discharge.update.map((r) => [r.resourceType, codeOf(r as Task), (r as Task).status, (r as Task).statusReason?.text])).toEqual([
      ['Task', 'discharge-planning', 'cancelled', 'Patient discharged'],
    ]);
    expectValid(discharge);
    const expired = apply(discharged({ encounter: encounter({ disposition: '20' }) }), { plans });
    const reasons = new Set(tasksOf(expired.update).map((t) => t.statusReason?.text));
    expect(reasons).toEqual(new Set(['Patient expired']));
  });

  it('without a coordinator pool, round-robin work goes to the default queue', () => {
    const result = apply(discharged(), { settings: { ...settings, coordinators: [] } });
    expect(new Set(tasksOf(result.create).map((t) => t.owner?.reference))).toEqual(new Set([DEFAULT_QUEUE.reference]));
    expect(result.roundRobinNext).toBe(1);
  });

  it('wraps around the pool', () => {
    const result = apply(discharged(), { settings: { ...settings, roundRobinNext: 2 } });
    expect(tasksOf(result.create)[0].owner).toEqual(COORDINATORS[2]);
    expect(result.roundRobinNext).toBe(0);
    expect(apply(discharged(), { settings: { ...settings, roundRobinNext: 0 } }).create.find((r) => r.resourceType === 'Task')).toMatchObject({
      owner: ANA,
    });
  });
});

describe('expired (20): cancel open work, bereavement outreach', () => {
  const ADMIT = '2026-11-20T10:00:00-05:00';
  const admission = materialize(apply(context('encounter.admitted', ADMIT), { now: '2026-11-20T10:00:03.000-05:00' }));
  const introduced = admission[0].tasks.find((t) => codeOf(t) === 'introduce-coordinator') as Task;
  const done = transitionTask(introduced, 'completed', '2026-11-21T09:00:00.000-05:00');
  const plans: ExistingPlan[] = [{ ...admission[0], tasks: admission[0].tasks.map((t) => (t.id === done.id ? done : t)) }];
  const result = apply(discharged({ encounter: encounter({ disposition: '20' }), careTeams: [careTeam] }), { plans });

  it('cancels the open admission work with a reason, keeps what was done, and closes that plan', () => {
    const cancelled = tasksOf(result.update);
    expect(cancelled.map((t) => [codeOf(t), t.status, t.statusReason?.text]).sort()).toEqual([
      ['discharge-planning', 'cancelled', 'Patient expired'],
      ['verify-coverage', 'cancelled', 'Patient expired'],
    ]);
    expect(result.update.find((r) => r.id === done.id)).toBeUndefined();
    expect(plansOf(result.update).map((p) => [p.id, p.status, p.period?.end])).toEqual([[admission[0].carePlan.id, 'completed', NOW]]);
  });

  it('opens bereavement outreach for the care team', () => {
    expect(summary(tasksOf(result.create))).toEqual([
      'bereavement-outreach | ready | 2026-12-04T23:59:59.999-05:00 | routine | CareTeam/team-1',
    ]);
    expect(result.roundRobinNext).toBe(settings.roundRobinNext);
    expectValid(result);
  });

  it('does not cancel its own plan on a replay', () => {
    const again = apply(discharged({ encounter: encounter({ disposition: '20' }), careTeams: [careTeam] }), {
      plans: materialize(result, plans),
    });
    expect(again.create).toEqual([]);
    expect(again.update).toEqual([]);
  });
});

describe('applying twice never duplicates', () => {
  const first = apply(discharged({ encounter: encounter({ disposition: '06' }), coverages: [] }));
  const stored = materialize(first);

  it('a re-sent discharge changes nothing', () => {
    const again = apply(discharged({ encounter: encounter({ disposition: '06' }), coverages: [] }), { plans: stored });
    expect(again).toEqual({ create: [], update: [], roundRobinNext: settings.roundRobinNext });
  });

  it('only what is missing is added to the plan (e.g. a protocol gained an action)', () => {
    const contact = stored[0].tasks.find((t) => codeOf(t) === 'post-discharge-contact') as Task;
    const without: ExistingPlan[] = [
      {
        ...stored[0],
        carePlan: { ...stored[0].carePlan, activity: stored[0].carePlan.activity?.filter((a) => a.reference?.reference !== `Task/${contact.id}`) },
        tasks: stored[0].tasks.filter((t) => t.id !== contact.id),
      },
    ];
    const again = apply(discharged({ encounter: encounter({ disposition: '06' }), coverages: [] }), { plans: without });
    expect(tasksOf(again.create).map((t) => t.id)).toEqual([contact.id]);
    expect(plansOf(again.update)).toHaveLength(1);
    expect(plansOf(again.update)[0].activity?.at(-1)).toEqual({ reference: { reference: `Task/${contact.id}` } });
  });

  it('a completed plan is left alone', () => {
    const completed: ExistingPlan[] = [{ ...stored[0], carePlan: { ...stored[0].carePlan, status: 'completed' } }];
    expect(apply(discharged({ encounter: encounter({ disposition: '06' }) }), { plans: completed })).toEqual({
      create: [],
      update: [],
      roundRobinNext: settings.roundRobinNext,
    });
  });

  it('after the discharge was cancelled (A13), the next discharge starts a new generation', () => {
    const revoked = revisePlans({
      event: { kind: 'encounter.discharge-cancelled', occurredAt: '2026-11-27T18:00:00-05:00' },
      encounter: { reference: 'Encounter/enc-1' },
      plans: stored,
      settings,
      now: '2026-11-27T18:00:01.000-05:00',
      newId,
    });
    const afterRevoke = materialize(revoked, stored);
    const redo = apply(discharged({}, '2026-11-28T11:00:00-05:00'), { plans: afterRevoke, now: '2026-11-28T11:00:02.000-05:00' });
    const [plan] = plansOf(redo.create);
    expect(plan.identifier?.[0].value).toBe('Encounter/enc-1|encounter.discharged|2');
    expect(plan.id).not.toBe(stored[0].carePlan.id);
    const firstIds = new Set(stored[0].tasks.map((t) => t.id));
    expect(tasksOf(redo.create).every((t) => !firstIds.has(t.id))).toBe(true);
    expect(redo.update).toEqual([]);
  });
});

describe('coverage.changed re-evaluates open discharge plans', () => {
  const first = apply(discharged({ coverages: [] }));
  const stored = materialize(first);
  const financial = (tasks: readonly Task[]): Task[] => tasks.filter((t) => codeOf(t) === 'financial-assistance');
  const changed = (coverages: ReturnType<typeof coverage>[], at = '2026-11-30T09:00:00-05:00'): ProtocolContext =>
    context('coverage.changed', at, { coverages });

  it('a Coverage found cancels the open financial-assistance Task', () => {
    const result = apply(changed([coverage()]), { plans: stored, now: '2026-11-30T09:00:01.000-05:00' });
    expect(result.create).toEqual([]);
    expect(tasksOf(result.update).map((t) => [codeOf(t), t.status, t.statusReason?.text])).toEqual([
      ['financial-assistance', 'cancelled', 'No longer applies: Help the patient with financial assistance (no active coverage)'],
    ]);
    expect(plansOf(result.update)).toEqual([]);
    const replay = apply(changed([coverage()]), { plans: materialize(result, stored), now: '2026-11-30T09:05:00.000-05:00' });
    expect(replay.create).toEqual([]);
    expect(replay.update).toEqual([]);
  });

  it('a Coverage lost again opens a new one (a fresh identity), due from the change', () => {
    const found = materialize(apply(changed([coverage()]), { plans: stored, now: '2026-11-30T09:00:01.000-05:00' }), stored);
    const lost = apply(changed([], '2026-12-02T09:00:00-05:00'), { plans: found, now: '2026-12-02T09:00:01.000-05:00' });
    const [task] = financial(tasksOf(lost.create));
    expect(task.identifier?.[0].value).toMatch(/#financial-assistance~2$/);
    expect(task.restriction?.period?.end).toBe('2026-12-09T23:59:59.999-05:00');
    expect(plansOf(lost.update)[0].activity?.at(-1)).toEqual({ reference: { reference: `Task/${task.id}` } });
    expectValid(lost);
  });

  it('coverage still missing: the open Task stays, nothing new', () => {
    const result = apply(changed([]), { plans: stored });
    expect(result).toEqual({ create: [], update: [], roundRobinNext: settings.roundRobinNext });
  });

  it('a plan without the Task gets one when coverage lapses', () => {
    const covered = materialize(apply(discharged()));
    expect(financial(covered[0].tasks)).toEqual([]);
    const result = apply(changed([coverage('cancelled')]), { plans: covered });
    expect(financial(tasksOf(result.create))).toHaveLength(1);
    expect(financial(tasksOf(result.create))[0].identifier?.[0].value).toMatch(/#financial-assistance$/);
  });

  it('leaves revoked and completed plans alone', () => {
    const closed: ExistingPlan[] = [{ ...stored[0], carePlan: { ...stored[0].carePlan, status: 'revoked' } }];
    expect(apply(changed([coverage()]), { plans: closed })).toEqual({ create: [], update: [], roundRobinNext: settings.roundRobinNext });
  });
});
