import { ControlledClock } from '../../src/platform/clock/clock';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { carePlan, coverage, encounter, patient, practitioner, put, task } from './support/care-fixtures';
import { codes, graphql } from './support/graphql-client';

const NOW = '2026-11-27T15:00:00-05:00';

interface PatientView {
  patient: {
    id: string;
    name: string;
    identifiers: { system: string; value: string }[];
    encounters: { id: string; status: string; class: { code: string } }[];
    activeCarePlans: { id: string; tasks: { id: string; status: string; ownerResource: { __typename: string; name?: string } | null }[] }[];
    openTasks: { id: string; dueDate: string; overdue: boolean }[];
    coverage: { id: string; payor: { display: string }[] }[];
    allCoverage: { id: string; active: boolean }[];
    timeline: { resourceType: string; resourceId: string; versionId: number; action: string; summary: string; status: string | null; previousStatus: string | null }[];
  };
}

const PATIENT_VIEW = `query($id: ID!) {
  patient(id: $id) {
    id name identifiers { system value }
    encounters { id status class { code } }
    activeCarePlans { id tasks { id status ownerResource { __typename ... on Practitioner { name } ... on CareTeam { name } } } }
    openTasks { id dueDate overdue }
    coverage { id payor { display } }
    allCoverage: coverage(activeOnly: false) { id active }
    timeline(first: 20) { resourceType resourceId versionId action summary status previousStatus }
  }
}`;

describe('GraphQL patient view, care plans, referrals and search', () => {
  let service: TestApp;
  let fhir: FhirTestClient;
  let token: string;

  beforeAll(async () => {
    const clock = new ControlledClock(NOW);
    service = await bootTestApp({}, { clock });
    fhir = await fhirClient(service);
    token = (await issueToken(service, { scopes: ['system/*.*'] })).accessToken;
    await put(fhir, [
      patient('v-pat', 'Viewer', 'Vera', 'MRN-777'),
      patient('v-other', 'Viewmore', 'Otto', 'MRN-778'),
      practitioner('v-coord', 'Coordinator', 'Casey'),
      { resourceType: 'CareTeam', id: 'v-team', name: 'Transitions team', status: 'active' },
      encounter('v-enc-old', 'v-pat', { period: { start: '2026-03-01T08:00:00-05:00', end: '2026-03-04T08:00:00-05:00' } }),
      encounter('v-enc', 'v-pat'),
      coverage('v-cov', 'v-pat'),
      coverage('v-cov-old', 'v-pat', { status: 'cancelled', payor: [{ reference: 'Organization/old', display: 'Old Payer' }] }),
      task({ id: 'v-t1', patientId: 'v-pat', owner: 'Practitioner/v-coord', due: '2026-11-27T09:00:00-05:00', carePlanId: 'v-plan' }),
      task({ id: 'v-t2', patientId: 'v-pat', owner: 'CareTeam/v-team', due: '2026-12-01T09:00:00-05:00', carePlanId: 'v-plan', code: 'follow-up-appointment' }),
      task({ id: 'v-t3', patientId: 'v-pat', owner: 'Practitioner/v-coord', due: '2026-11-26T09:00:00-05:00', status: 'completed', carePlanId: 'v-plan', code: 'medication-reconciliation' }),
      carePlan('v-plan', 'v-pat', ['v-t1', 'v-t2', 'v-t3'], { encounter: { reference: 'Encounter/v-enc' } }),
      carePlan('v-plan-done', 'v-pat', [], { status: 'completed' }),
      task({ id: 'v-elsewhere', patientId: 'v-other', owner: 'Practitioner/v-coord', due: '2026-11-28T09:00:00-05:00' }),
    ]);
    // A change a minute later, so the timeline has a status change to tell first.
    clock.advance(60_000);
    const start = await graphql(service, token, `mutation { transitionTask(id: "v-t2", status: ACCEPTED) { id } }`);
    expect(start.errors).toBeUndefined();
  });
  afterAll(() => service?.close());

  it('shows a patient with encounters, active plans and their Tasks, open work, coverage and a timeline', async () => {
    const response = await graphql<PatientView>(service, token, PATIENT_VIEW, { id: 'v-pat' });
    expect(response.errors).toBeUndefined();
    const view = response.data!.patient;
    expect(view).toMatchObject({
      id: 'v-pat',
      name: 'Vera Viewer',
      identifiers: [{ system: 'urn:oid:2.16.840.1.113883.19.5', value: 'MRN-777' }],
      encounters: [
        { id: 'v-enc', status: 'finished', class: { code: 'IMP' } },
        { id: 'v-enc-old', status: 'finished', class: { code: 'IMP' } },
      ],
      activeCarePlans: [
        {
          id: 'v-plan',
          tasks: [
            { id: 'v-t1', status: 'REQUESTED', ownerResource: { __typename: 'Practitioner', name: 'Casey Coordinator' } },
            { id: 'v-t2', status: 'ACCEPTED', ownerResource: { __typename: 'CareTeam', name: 'Transitions team' } },
            { id: 'v-t3', status: 'COMPLETED', ownerResource: { __typename: 'Practitioner', name: 'Casey Coordinator' } },
          ],
        },
      ],
      openTasks: [
        { id: 'v-t1', dueDate: '2026-11-27T09:00:00-05:00', overdue: true },
        { id: 'v-t2', dueDate: '2026-12-01T09:00:00-05:00', overdue: false },
      ],
      coverage: [{ id: 'v-cov', payor: [{ display: 'Acme Health' }] }],
    });
    expect(view.allCoverage).toEqual(
      expect.arrayContaining([
        { id: 'v-cov', active: true },
        { id: 'v-cov-old', active: false },
      ]),
    );
    expect(view.timeline[0]).toMatchObject({
      resourceType: 'Task',
      resourceId: 'v-t2',
      versionId: 2,
      action: 'STATUS_CHANGED',
      status: 'accepted',
      previousStatus: 'requested',
      summary: 'Task follow-up-appointment: requested → accepted',
    });
    const keys = view.timeline.map((entry) => `${entry.resourceType}/${entry.resourceId}/${entry.versionId}`);
    expect(keys).toEqual(
      expect.arrayContaining(['Patient/v-pat/1', 'Encounter/v-enc/1', 'CarePlan/v-plan/1', 'Task/v-t1/1', 'Task/v-t2/1', 'Coverage/v-cov/1']),
    );
    expect(keys.some((key) => key.includes('v-other') || key.includes('v-elsewhere'))).toBe(false);
    expect(view.timeline).toHaveLength(new Set(keys).size);
  });

  it('reads a CarePlan with its patient, encounter and Tasks', async () => {
    const response = await graphql<{ carePlan: Record<string, unknown> }>(
      service,
      token,
      `{ carePlan(id: "v-plan") { id status intent patient { id } encounter { id } tasks { id taskCode } fhir } }`,
    );
    expect(response.data?.carePlan).toMatchObject({
      id: 'v-plan',
      status: 'active',
      intent: 'plan',
      patient: { id: 'v-pat' },
      encounter: { id: 'v-enc' },
      tasks: [
        { id: 'v-t1', taskCode: 'post-discharge-contact' },
        { id: 'v-t2', taskCode: 'follow-up-appointment' },
        { id: 'v-t3', taskCode: 'medication-reconciliation' },
      ],
      fhir: { resourceType: 'CarePlan', id: 'v-plan', meta: { versionId: '1' } },
    });
  });

  it('is NOT_FOUND for what is not there or is another tenant\'s', async () => {
    expect(codes(await graphql(service, token, `{ patient(id: "ghost") { id } }`))).toEqual(['NOT_FOUND']);
    expect(codes(await graphql(service, token, `{ carePlan(id: "ghost") { id } }`))).toEqual(['NOT_FOUND']);
    expect(codes(await graphql(service, token, `{ task(id: "ghost") { id } }`))).toEqual(['NOT_FOUND']);
    const other = await issueToken(service, { tenant: 'v-other-tenant', scopes: ['system/*.*'] });
    for (const query of [`{ patient(id: "v-pat") { id } }`, `{ task(id: "v-t1") { id } }`, `{ carePlan(id: "v-plan") { id } }`]) {
      expect(codes(await graphql(service, other.accessToken, query))).toEqual(['NOT_FOUND']);
    }
  });

  it('checks read scope on every resource type it shows: a field the token may not read is FORBIDDEN, the rest answers', async () => {
    const tasksOnly = await issueToken(service, { scopes: ['system/Task.rs'] });
    // Twice: the second run of a query is compiled (graphql-jit) and must answer the same.
    for (let run = 0; run < 2; run++) {
      const response = await graphql<{ task: { id: string; patient: unknown; coverage: unknown } }>(
        service,
        tasksOnly.accessToken,
        `{ task(id: "v-t1") { id patient { name } } }`,
      );
      expect(response.data?.task).toEqual({ id: 'v-t1', patient: null });
      expect(codes(response)).toEqual(['FORBIDDEN']);
      expect(response.errors?.[0].path).toEqual(['task', 'patient']);
    }
    expect(codes(await graphql(service, tasksOnly.accessToken, `{ patient(id: "v-pat") { id } }`))).toEqual(['FORBIDDEN']);
  });

  it('searches patients by name and by identifier', async () => {
    const byName = await graphql<{ searchPatients: { id: string }[] }>(service, token, `{ searchPatients(name: "View") { id } }`);
    expect(byName.data?.searchPatients.map((p) => p.id).sort()).toEqual(['v-other', 'v-pat']);
    const byIdentifier = await graphql<{ searchPatients: { id: string; openTasks: { id: string }[] }[] }>(
      service,
      token,
      `{ searchPatients(identifier: "urn:oid:2.16.840.1.113883.19.5|MRN-778") { id openTasks { id } } }`,
    );
    expect(byIdentifier.data?.searchPatients).toEqual([{ id: 'v-other', openTasks: [{ id: 'v-elsewhere' }] }]);
    expect(codes(await graphql(service, token, `{ searchPatients { id } }`))).toEqual(['BAD_USER_INPUT']);
  });

  it('lists referrals with performer and state, a page at a time', async () => {
    for (const performer of ['Organization/r-a', 'Organization/r-b', 'Organization/r-c']) {
      const made = await graphql(
        service,
        token,
        `mutation($p: String!) { createReferral(input: { patientId: "v-pat", code: { text: "Therapy" }, performer: $p, due: "2026-12-01T17:00:00-05:00" }) { task { id } } }`,
        { p: performer },
      );
      expect(made.errors).toBeUndefined();
    }
    const QUERY = `query($after: String, $performer: String) {
      referrals(filter: { patient: "v-pat", performer: $performer }, first: 2, after: $after) {
        totalCount nodes { id performers { reference } state } pageInfo { hasNextPage endCursor }
      }
    }`;
    type Referrals = { referrals: { totalCount: number; nodes: { id: string; performers: { reference: string }[]; state: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } };
    const first = await graphql<Referrals>(service, token, QUERY, {});
    expect(first.data?.referrals).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    const second = await graphql<Referrals>(service, token, QUERY, { after: first.data?.referrals.pageInfo.endCursor });
    const all = [...first.data!.referrals.nodes, ...second.data!.referrals.nodes];
    expect(all.map((r) => r.performers[0].reference).sort()).toEqual(['Organization/r-a', 'Organization/r-b', 'Organization/r-c']);
    expect(new Set(all.map((r) => r.id)).size).toBe(3);
    expect(all.every((r) => r.state === 'SENT')).toBe(true);
    const onlyB = await graphql<Referrals>(service, token, QUERY, { performer: 'Organization/r-b' });
    expect(onlyB.data?.referrals.nodes.map((r) => r.performers[0].reference)).toEqual(['Organization/r-b']);
  });
});
