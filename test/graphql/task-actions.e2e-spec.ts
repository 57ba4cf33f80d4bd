import type { CarePlan, Coverage, ServiceRequest, Task } from '@medplum/fhirtypes';
import { ControlledClock } from '../../src/platform/clock/clock';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { BUSINESS_STATUS, carePlan, coverage, encounter, patient, put, read, task } from './support/care-fixtures';
import { codes, graphql, GraphqlResponse } from './support/graphql-client';

const NOW = '2026-11-27T15:00:00-05:00';
const TASK_FIELDS = 'id versionId status statusReason owner { reference } dueDate overdue businessStatus { coding { code } } notes { text author }';

describe('GraphQL mutations', () => {
  let service: TestApp;
  let fhir: FhirTestClient;
  let token: string;
  let n = 0;

  beforeAll(async () => {
    service = await bootTestApp({}, { clock: new ControlledClock(NOW) });
    fhir = await fhirClient(service);
    token = (await issueToken(service, { scopes: ['system/*.*'] })).accessToken;
    await put(fhir, [patient('m-pat', 'Mutation', 'Maria'), encounter('m-enc', 'm-pat'), coverage('m-cov', 'm-pat')]);
  });
  afterAll(() => service?.close());

  /** A fresh Task in `status` (its own id, so tests do not depend on each other). */
  async function newTask(status: Task['status'] = 'ready', extra: Partial<Task> = {}): Promise<string> {
    const id = `m-task-${++n}`;
    await put(fhir, [task({ id, patientId: 'm-pat', owner: 'Practitioner/m-1', status, due: '2026-11-27T09:00:00-05:00', extra })]);
    return id;
  }

  async function mutate<T = Record<string, Record<string, unknown>>>(query: string, variables: Record<string, unknown>, as = token): Promise<GraphqlResponse<T>> {
    return graphql<T>(service, as, query, variables);
  }

  const TRANSITION = `mutation($id: ID!, $status: TaskStatus!, $reason: String, $v: Int) {
    transitionTask(id: $id, status: $status, reason: $reason, expectedVersion: $v) { ${TASK_FIELDS} } }`;
  const ASSIGN = `mutation($id: ID!, $owner: String!, $v: Int) { assignTask(id: $id, owner: $owner, expectedVersion: $v) { ${TASK_FIELDS} } }`;
  const NOTE = `mutation($id: ID!, $text: String!, $v: Int) { addTaskNote(id: $id, text: $text, expectedVersion: $v) { ${TASK_FIELDS} } }`;
  const RESCHEDULE = `mutation($id: ID!, $due: String!, $v: Int) { rescheduleTask(id: $id, due: $due, expectedVersion: $v) { ${TASK_FIELDS} } }`;

  describe('transitionTask', () => {
    it('moves a Task along the state machine through the store (new version, readable over FHIR)', async () => {
      const id = await newTask('ready');
      const response = await mutate(TRANSITION, { id, status: 'IN_PROGRESS', v: 1 });
      expect(response.errors).toBeUndefined();
      expect(response.data?.transitionTask).toMatchObject({ id, versionId: 2, status: 'IN_PROGRESS' });
      const stored = await read<Task>(fhir, 'Task', id);
      expect(stored).toMatchObject({ status: 'in-progress', meta: { versionId: '2' }, executionPeriod: { start: new Date(NOW).toISOString() } });
      const history = (await (await fhir.http(`/Task/${id}/_history`)).json()) as { total?: number; entry?: unknown[] };
      expect(history.entry).toHaveLength(2);
    });

    it('refuses a transition the state machine forbids with CONFLICT, changing nothing', async () => {
      const id = await newTask('completed');
      const response = await mutate(TRANSITION, { id, status: 'IN_PROGRESS' });
      expect(codes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0].extensions).toMatchObject({ expression: 'Task.status' });
      expect(response.data).toBeNull();
      expect(await read<Task>(fhir, 'Task', id)).toMatchObject({ status: 'completed', meta: { versionId: '1' } });
    });

    it('needs a reason to cancel (BAD_USER_INPUT), and keeps it when given', async () => {
      const id = await newTask('requested');
      expect(codes(await mutate(TRANSITION, { id, status: 'CANCELLED' }))).toEqual(['BAD_USER_INPUT']);
      const response = await mutate(TRANSITION, { id, status: 'CANCELLED', reason: 'Patient readmitted' });
      expect(response.data?.transitionTask).toMatchObject({ status: 'CANCELLED', statusReason: 'Patient readmitted' });
    });

    it('is a CONFLICT when expectedVersion is not the current version', async () => {
      const id = await newTask('ready');
      await put(fhir, [task({ id, patientId: 'm-pat', owner: 'Practitioner/m-2', status: 'ready', due: '2026-11-28T09:00:00-05:00' })]);
      const response = await mutate(TRANSITION, { id, status: 'IN_PROGRESS', v: 1 });
      expect(codes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0].extensions).toMatchObject({ expression: 'expectedVersion' });
      expect(await read<Task>(fhir, 'Task', id)).toMatchObject({ status: 'ready', meta: { versionId: '2' } });
    });

    it('lets exactly one of two concurrent changes of the same version through', async () => {
      const id = await newTask('ready');
      const results = await Promise.all([
        mutate(TRANSITION, { id, status: 'IN_PROGRESS', v: 1 }),
        mutate(ASSIGN, { id, owner: 'Practitioner/m-9', v: 1 }),
      ]);
      expect(results.map((r) => codes(r)[0] ?? 'ok').sort()).toEqual(['CONFLICT', 'ok']);
      expect((await read<Task>(fhir, 'Task', id)).meta?.versionId).toBe('2');
    });

    it('is NOT_FOUND for a Task of another tenant, or none', async () => {
      const id = await newTask('ready');
      const other = await issueToken(service, { tenant: 'm-other', scopes: ['system/*.*'] });
      expect(codes(await mutate(TRANSITION, { id, status: 'IN_PROGRESS' }, other.accessToken))).toEqual(['NOT_FOUND']);
      expect(codes(await mutate(TRANSITION, { id: 'nope', status: 'IN_PROGRESS' }))).toEqual(['NOT_FOUND']);
      expect((await read<Task>(fhir, 'Task', id)).status).toBe('ready');
    });

    it('is FORBIDDEN without system/Task.u, and UNAUTHENTICATED without a token', async () => {
      const id = await newTask('ready');
      const readOnly = await issueToken(service, { scopes: ['system/Task.rs'] });
      expect(codes(await mutate(TRANSITION, { id, status: 'IN_PROGRESS' }, readOnly.accessToken))).toEqual(['FORBIDDEN']);
      expect(codes(await graphql(service, undefined, TRANSITION, { id, status: 'IN_PROGRESS' }))).toEqual(['UNAUTHENTICATED']);
      expect((await read<Task>(fhir, 'Task', id)).meta?.versionId).toBe('1');
    });

    it('refuses a status that is not a TaskStatus (BAD_USER_INPUT)', async () => {
      const id = await newTask('ready');
      expect(codes(await mutate(TRANSITION, { id, status: 'in-progress' }))).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('assignTask', () => {
    it('assigns the Task', async () => {
      const id = await newTask('ready');
      const response = await mutate(ASSIGN, { id, owner: 'CareTeam/ct-7', v: 1 });
      expect(response.data?.assignTask).toMatchObject({ versionId: 2, owner: { reference: 'CareTeam/ct-7' } });
      expect((await read<Task>(fhir, 'Task', id)).owner).toEqual({ reference: 'CareTeam/ct-7' });
    });

    it('refuses an owner that is not a reference to someone who can own work (BAD_USER_INPUT)', async () => {
      const id = await newTask('ready');
      expect(codes(await mutate(ASSIGN, { id, owner: 'Observation/1' }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await mutate(ASSIGN, { id, owner: 'nobody' }))).toEqual(['BAD_USER_INPUT']);
    });

    it('refuses to reassign finished work (CONFLICT)', async () => {
      const id = await newTask('completed');
      const response = await mutate(ASSIGN, { id, owner: 'Practitioner/m-2' });
      expect(codes(response)).toEqual(['CONFLICT']);
      expect(response.errors?.[0].extensions).toMatchObject({ expression: 'Task.owner' });
    });
  });

  describe('addTaskNote', () => {
    it('adds notes, also to finished work, signed by the API client', async () => {
      const issued = await issueToken(service, { scopes: ['system/Task.ru'] });
      const id = await newTask('completed');
      await mutate(NOTE, { id, text: 'Called the patient' }, issued.accessToken);
      const response = await mutate(NOTE, { id, text: 'Left a voicemail', v: 2 }, issued.accessToken);
      expect(response.data?.addTaskNote).toMatchObject({
        versionId: 3,
        notes: [
          { text: 'Called the patient', author: issued.clientId },
          { text: 'Left a voicemail', author: issued.clientId },
        ],
      });
    });

    it('refuses an empty note', async () => {
      const id = await newTask('ready');
      expect(codes(await mutate(NOTE, { id, text: '  ' }))).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('rescheduleTask', () => {
    it('moves the due date and clears overdue when it is ahead', async () => {
      const id = await newTask('in-progress', { businessStatus: { coding: [{ system: BUSINESS_STATUS, code: 'overdue' }] } });
      const before = await graphql<{ task: { overdue: boolean } }>(service, token, `{ task(id: "${id}") { overdue } }`);
      expect(before.data?.task.overdue).toBe(true);
      const response = await mutate(RESCHEDULE, { id, due: '2026-12-02T17:00:00-05:00' });
      expect(response.errors).toBeUndefined();
      expect(response.data?.rescheduleTask).toMatchObject({ dueDate: '2026-12-02T17:00:00-05:00', overdue: false, businessStatus: null });
      const worklist = await graphql<{ worklist: { edges: { node: { id: string } }[] } }>(
        service,
        token,
        `{ worklist(filter: { patient: "m-pat", dueAfter: "2026-12-02T00:00:00-05:00" }) { edges { node { id } } } }`,
      );
      expect(worklist.data?.worklist.edges.map((e) => e.node.id)).toContain(id);
    });

    it('refuses a due date without a time zone (BAD_USER_INPUT) and finished work (CONFLICT)', async () => {
      expect(codes(await mutate(RESCHEDULE, { id: await newTask('ready'), due: '2026-12-02' }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await mutate(RESCHEDULE, { id: await newTask('completed'), due: '2026-12-02T17:00:00Z' }))).toEqual(['CONFLICT']);
    });
  });

  it('runs several mutations of one request in order, each result reading what it points at', async () => {
    const id = await newTask('ready');
    const response = await mutate<{ a: { versionId: number; patient: { id: string } }; b: { versionId: number; notes: { text: string }[]; patient: { id: string } } }>(
      `mutation($id: ID!) {
        a: assignTask(id: $id, owner: "Practitioner/m-3", expectedVersion: 1) { versionId patient { id } }
        b: addTaskNote(id: $id, text: "Assigned to m-3", expectedVersion: 2) { versionId notes { text } patient { id } }
      }`,
      { id },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({
      a: { versionId: 2, patient: { id: 'm-pat' } },
      b: { versionId: 3, notes: [{ text: 'Assigned to m-3' }], patient: { id: 'm-pat' } },
    });
  });

  describe('createReferral', () => {
    const CREATE = `mutation($input: CreateReferralInput!) {
      createReferral(input: $input) {
        serviceRequest { id status performers { reference } code { text } state tasks { id } patient { id } }
        task { id status taskCode owner { reference } dueDate referral { id } carePlan { id } }
      }
    }`;

    it('makes a ServiceRequest and the performer\'s Task through the store, added to the plan', async () => {
      await put(fhir, [carePlan('m-plan', 'm-pat', [])]);
      const response = await mutate<{ createReferral: { serviceRequest: Record<string, unknown> & { id: string }; task: Record<string, unknown> & { id: string } } }>(
        CREATE,
        {
          input: {
            patientId: 'm-pat',
            code: { text: 'Home health care' },
            performer: 'Organization/agency-a',
            due: '2026-11-30T17:00:00-05:00',
            priority: 'URGENT',
            encounterId: 'm-enc',
            carePlanId: 'm-plan',
          },
        },
      );
      expect(response.errors).toBeUndefined();
      const { serviceRequest, task: made } = response.data!.createReferral;
      expect(serviceRequest).toMatchObject({
        status: 'active',
        performers: [{ reference: 'Organization/agency-a' }],
        code: { text: 'Home health care' },
        state: 'SENT',
        tasks: [{ id: made.id }],
        patient: { id: 'm-pat' },
      });
      expect(made).toMatchObject({
        status: 'REQUESTED',
        taskCode: 'referral',
        owner: { reference: 'Organization/agency-a' },
        dueDate: '2026-11-30T17:00:00-05:00',
        referral: { id: serviceRequest.id },
        carePlan: { id: 'm-plan' },
      });
      expect(await read<ServiceRequest>(fhir, 'ServiceRequest', serviceRequest.id)).toMatchObject({ subject: { reference: 'Patient/m-pat' } });
      expect((await read<CarePlan>(fhir, 'CarePlan', 'm-plan')).activity).toEqual([{ reference: { reference: `Task/${made.id}` } }]);

      // The performer declines: the referral says so.
      const declined = await mutate(TRANSITION, { id: made.id, status: 'REJECTED', reason: 'No capacity' });
      expect(declined.errors).toBeUndefined();
      const after = await graphql<{ referrals: { nodes: { id: string; state: string }[] } }>(
        service,
        token,
        `{ referrals(filter: { patient: "m-pat" }) { nodes { id state } } }`,
      );
      expect(after.data?.referrals.nodes.find((r) => r.id === serviceRequest.id)?.state).toBe('DECLINED');
    });

    it('is NOT_FOUND for a patient that is not there, BAD_USER_INPUT for a bad performer, FORBIDDEN without create scopes', async () => {
      const input = { patientId: 'm-pat', code: { text: 'Transport' }, performer: 'Organization/cabs', due: '2026-11-30T17:00:00-05:00' };
      expect(codes(await mutate(CREATE, { input: { ...input, patientId: 'ghost' } }))).toEqual(['NOT_FOUND']);
      expect(codes(await mutate(CREATE, { input: { ...input, performer: 'cabs' } }))).toEqual(['BAD_USER_INPUT']);
      const readOnly = await issueToken(service, { scopes: ['system/*.rs', 'system/Task.c'] });
      expect(codes(await mutate(CREATE, { input }, readOnly.accessToken))).toEqual(['FORBIDDEN']);
      const requests = (await (await fhir.http('/ServiceRequest?code:text=Transport')).json()) as { total?: number; entry?: unknown[] };
      expect(requests.entry ?? []).toHaveLength(0);
    });
  });

  describe('updateCoverage', () => {
    const UPDATE = `mutation($id: ID!, $input: UpdateCoverageInput!, $v: Int) {
      updateCoverage(id: $id, input: $input, expectedVersion: $v) { id versionId status active period { start end } payor { reference display } }
    }`;

    it('changes period and payors through the store', async () => {
      const response = await mutate(UPDATE, { id: 'm-cov', input: { periodEnd: '2026-11-26', payor: ['Organization/acme-health', 'Organization/beta'] }, v: 1 });
      expect(response.errors).toBeUndefined();
      expect(response.data?.updateCoverage).toMatchObject({
        versionId: 2,
        active: false,
        period: { start: '2026-01-01', end: '2026-11-26' },
        payor: [{ reference: 'Organization/acme-health', display: 'Acme Health' }, { reference: 'Organization/beta', display: null }],
      });
      expect((await read<Coverage>(fhir, 'Coverage', 'm-cov')).period?.end).toBe('2026-11-26');
    });

    it('refuses bad input (BAD_USER_INPUT), a moved version (CONFLICT), another tenant (NOT_FOUND), missing scope (FORBIDDEN)', async () => {
      expect(codes(await mutate(UPDATE, { id: 'm-cov', input: { status: 'expired' } }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await mutate(UPDATE, { id: 'm-cov', input: { periodStart: '2027-01-01' } }))).toEqual(['BAD_USER_INPUT']);
      expect(codes(await mutate(UPDATE, { id: 'm-cov', input: { status: 'cancelled' }, v: 1 }))).toEqual(['CONFLICT']);
      const other = await issueToken(service, { tenant: 'm-other', scopes: ['system/*.*'] });
      expect(codes(await mutate(UPDATE, { id: 'm-cov', input: { status: 'cancelled' } }, other.accessToken))).toEqual(['NOT_FOUND']);
      const taskWriter = await issueToken(service, { scopes: ['system/Task.u', 'system/Coverage.r'] });
      expect(codes(await mutate(UPDATE, { id: 'm-cov', input: { status: 'cancelled' } }, taskWriter.accessToken))).toEqual(['FORBIDDEN']);
      expect(await read<Coverage>(fhir, 'Coverage', 'm-cov')).toMatchObject({ status: 'active', meta: { versionId: '2' } });
    });
  });
});
