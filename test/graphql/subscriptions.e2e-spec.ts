import type { CarePlan, Task } from '@medplum/fhirtypes';
import { ControlledClock } from '../../src/platform/clock/clock';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { carePlan, patient, put, read, task } from './support/care-fixtures';
import { graphql } from './support/graphql-client';
import { LiveSubscription, subscribe, wsClient } from './support/graphql-ws-client';

interface TaskEvents {
  taskEvents: { sequence: number; topic: string; resourceId: string; versionId: number; task: { id: string; status: string; owner: { reference: string }; patient: { id: string; name: string } | null } | null };
}
interface PlanEvents {
  carePlanEvents: { sequence: number; topic: string; resourceType: string; resourceId: string; carePlan: { id: string; status: string } | null; task: { id: string; status: string } | null };
}

const TASK_EVENTS = `subscription($owner: String) {
  taskEvents(owner: $owner) { sequence topic resourceId versionId task { id status owner { reference } patient { id name } } }
}`;
const PLAN_EVENTS = `subscription($patientId: ID) {
  carePlanEvents(patientId: $patientId) { sequence topic resourceType resourceId carePlan { id status } task { id status } }
}`;

const DUE = '2026-12-01T17:00:00Z';

describe('GraphQL subscriptions over WebSocket (graphql-transport-ws)', () => {
  let service: TestApp;
  let clock: ControlledClock;
  let fhir: FhirTestClient;
  let token: string;
  const clients: { dispose(): void | Promise<void> }[] = [];
  let touches = 0;

  beforeAll(async () => {
    // The clock starts at the real time: access tokens expire by it.
    clock = new ControlledClock(new Date());
    service = await bootTestApp({}, { clock });
    fhir = await fhirClient(service);
    token = (await issueToken(service, { scopes: ['system/*.*'] })).accessToken;
    await put(fhir, [
      patient('s-pat', 'Streamer', 'Sam'),
      patient('s-pat2', 'Other', 'Olga'),
      carePlan('s-plan', 's-pat', ['s-t1']),
      carePlan('s-plan2', 's-pat2', ['s-t9']),
      task({ id: 's-t1', patientId: 's-pat', owner: 'Practitioner/s-1', due: DUE, carePlanId: 's-plan' }),
      task({ id: 's-t2', patientId: 's-pat', owner: 'Practitioner/s-2', due: DUE }),
      task({ id: 's-t9', patientId: 's-pat2', owner: 'Practitioner/s-1', due: DUE, carePlanId: 's-plan2' }),
      task({ id: 's-sentinel', patientId: 's-pat', owner: 'Practitioner/s-1', due: DUE, carePlanId: 's-plan' }),
    ]);
  });
  afterAll(async () => {
    for (const client of clients) await client.dispose();
    await service?.close();
  });

  function connect(authorization: string | undefined) {
    const client = wsClient(service, authorization === undefined ? {} : { authorization });
    clients.push(client);
    return client;
  }

  /** Changes a Task over FHIR REST (a PUT of a new version), as an EHR or another app would. */
  async function putTask(id: string, change: (current: Task) => Task): Promise<void> {
    const current = await read<Task>(fhir, 'Task', id);
    const response = await fhir.http(`/Task/${id}`, { method: 'PUT', body: JSON.stringify(change(current)) });
    expect(response.status).toBe(200);
  }

  /**
   * Makes a change (`touch`) until the subscription shows it: from then on the subscription
   * is live (a stream starts at the events committed after it subscribed).
   */
  async function untilLive<T>(sub: LiveSubscription<T>, shows: (payload: T) => boolean, touch = touchSentinel): Promise<void> {
    for (let attempt = 0; attempt < 40; attempt++) {
      const index = sub.received.length;
      await touch();
      try {
        await sub.waitFor(shows, 500, index);
        return;
      } catch {
        // not subscribed yet: touch again
      }
    }
    throw new Error(`the subscription never went live (errors: ${JSON.stringify(sub.errors)})`);
  }

  function touchSentinel(): Promise<void> {
    return putTask('s-sentinel', (t) => ({ ...t, description: `touch ${++touches}` }));
  }

  async function touchPlan(): Promise<void> {
    const plan = await read<CarePlan>(fhir, 'CarePlan', 's-plan');
    const response = await fhir.http('/CarePlan/s-plan', { method: 'PUT', body: JSON.stringify({ ...plan, description: `touch ${++touches}` }) });
    expect(response.status).toBe(200);
  }

  it('delivers a Task change made over FHIR to its owner\'s subscriber, with nested data', async () => {
    const sub = subscribe<TaskEvents>(connect(`Bearer ${token}`), TASK_EVENTS, { owner: 'Practitioner/s-1' });
    await untilLive(sub, (p) => p.taskEvents.resourceId === 's-sentinel');
    const from = sub.received.length;

    await putTask('s-t2', (t) => ({ ...t, status: 'accepted' })); // another owner's
    await putTask('s-t1', (t) => ({ ...t, status: 'accepted' }));
    const event = await sub.waitFor((p) => p.taskEvents.resourceId === 's-t1', 10_000, from);
    expect(event.taskEvents).toMatchObject({
      topic: 'http://liaison.health/fhir/SubscriptionTopic/task-status-changed',
      versionId: 2,
      task: { id: 's-t1', status: 'ACCEPTED', owner: { reference: 'Practitioner/s-1' }, patient: { id: 's-pat', name: 'Sam Streamer' } },
    });
    expect(sub.received.slice(from).some((p) => p.taskEvents.resourceId === 's-t2')).toBe(false);

    // A GraphQL mutation goes through the same store and outbox.
    const done = await graphql(service, token, `mutation { transitionTask(id: "s-t1", status: IN_PROGRESS) { id } }`);
    expect(done.errors).toBeUndefined();
    const second = await sub.waitFor((p) => p.taskEvents.resourceId === 's-t1' && p.taskEvents.versionId === 3, 10_000, from);
    expect(second.taskEvents.sequence).toBeGreaterThan(event.taskEvents.sequence);
    sub.stop();
  });

  it('carePlanEvents: the patient\'s plans and their Tasks, not another patient\'s', async () => {
    const sub = subscribe<PlanEvents>(connect(`Bearer ${token}`), PLAN_EVENTS, { patientId: 's-pat' });
    await untilLive(sub, (p) => p.carePlanEvents.resourceId === 's-sentinel');
    const from = sub.received.length;

    await putTask('s-t9', (t) => ({ ...t, status: 'accepted' })); // the other patient's plan
    const plan = await read<CarePlan>(fhir, 'CarePlan', 's-plan');
    expect((await fhir.http('/CarePlan/s-plan', { method: 'PUT', body: JSON.stringify({ ...plan, title: 'After discharge' }) })).status).toBe(200);
    const event = await sub.waitFor((p) => p.carePlanEvents.resourceId === 's-plan', 10_000, from);
    expect(event.carePlanEvents).toMatchObject({ resourceType: 'CarePlan', carePlan: { id: 's-plan', status: 'active' }, task: null });
    expect(sub.received.slice(from).some((p) => p.carePlanEvents.resourceId === 's-t9')).toBe(false);
    sub.stop();
  });

  it('checks scope for every event: a client that may read care plans but not Tasks gets only the plans', async () => {
    const plansOnly = await issueToken(service, { scopes: ['system/CarePlan.rs'] });
    const sub = subscribe<PlanEvents>(connect(`Bearer ${plansOnly.accessToken}`), PLAN_EVENTS, { patientId: 's-pat' });
    await untilLive(sub, (p) => p.carePlanEvents.resourceId === 's-plan', touchPlan);
    const index = sub.received.length;
    await touchSentinel(); // a Task of the plan: not readable by this client
    await touchPlan(); // committed after it, so delivered after it
    await sub.waitFor((p) => p.carePlanEvents.resourceId === 's-plan', 10_000, index);
    expect(sub.received.length).toBeGreaterThan(1);
    expect(sub.received.every((p) => p.carePlanEvents.resourceType === 'CarePlan')).toBe(true);
    sub.stop();
  });

  it('never delivers another tenant\'s events', async () => {
    const theirs = await issueToken(service, { tenant: 's-other', scopes: ['system/*.*'] });
    const theirFhir = await fhirClient(service, { tenant: 's-other' });
    await put(theirFhir, [patient('s-pat', 'Their', 'Patient'), task({ id: 's-theirs', patientId: 's-pat', owner: 'Practitioner/s-1', due: DUE })]);
    const touchTheirs = async (): Promise<void> => {
      const current = await read<Task>(theirFhir, 'Task', 's-theirs');
      const response = await theirFhir.http('/Task/s-theirs', { method: 'PUT', body: JSON.stringify({ ...current, description: `touch ${++touches}` }) });
      expect(response.status).toBe(200);
    };
    const ours = subscribe<TaskEvents>(connect(`Bearer ${token}`), TASK_EVENTS, { owner: 'Practitioner/s-1' });
    const theirSub = subscribe<TaskEvents>(connect(`Bearer ${theirs.accessToken}`), TASK_EVENTS, {});
    await untilLive(ours, (p) => p.taskEvents.resourceId === 's-sentinel');
    await untilLive(theirSub, (p) => p.taskEvents.resourceId === 's-theirs', touchTheirs);
    await untilLive(ours, (p) => p.taskEvents.resourceId === 's-sentinel');

    expect(theirSub.received.every((p) => p.taskEvents.resourceId === 's-theirs')).toBe(true);
    expect(ours.received.some((p) => p.taskEvents.resourceId === 's-theirs')).toBe(false);
    ours.stop();
    theirSub.stop();
  });

  it('refuses a connection without a valid access token', async () => {
    for (const authorization of [undefined, 'Bearer not-a-token']) {
      const client = connect(authorization);
      const sub = subscribe<TaskEvents>(client, TASK_EVENTS, {});
      expect(await sub.ended).toBe('error');
      expect(sub.received).toEqual([]);
      expect(await client.closedWith).not.toBe(1000);
    }
  });

  it('refuses a subscription the token has no scope for (FORBIDDEN)', async () => {
    const patientsOnly = await issueToken(service, { scopes: ['system/Patient.rs'] });
    const sub = subscribe<TaskEvents>(connect(`Bearer ${patientsOnly.accessToken}`), TASK_EVENTS, {});
    expect(await sub.ended).toBe('error');
    expect(sub.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
  });

  it('ends the stream when the access token expires', async () => {
    const issued = await issueToken(service, { scopes: ['system/*.*'] });
    const sub = subscribe<TaskEvents>(connect(`Bearer ${issued.accessToken}`), TASK_EVENTS, { owner: 'Practitioner/s-1' });
    await untilLive(sub, (p) => p.taskEvents.resourceId === 's-sentinel');
    const from = sub.received.length;
    clock.set(new Date(Date.now() + (service.config.tokenTtlSeconds + 1) * 1000));
    try {
      await touchSentinel();
      expect(await sub.ended).toBe('complete');
      expect(sub.received.slice(from)).toEqual([]);
    } finally {
      clock.set(new Date());
    }
  });
});
