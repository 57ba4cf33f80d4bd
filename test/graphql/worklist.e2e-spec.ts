import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { Task } from '@medplum/fhirtypes';
import { ControlledClock } from '../../src/platform/clock/clock';
import { issueToken } from '../harness/auth';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { coverage, patient, practitioner, put, task, TaskSpec } from './support/care-fixtures';
import { codes, graphql } from './support/graphql-client';

const NOW = '2026-11-27T15:00:00-05:00';

interface Page {
  worklist: {
    totalCount?: number;
    edges: { cursor: string; node: { id: string; status: string; dueDate: string; overdue: boolean; priority: string } }[];
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; endCursor: string | null };
  };
}

const PAGE = `query Page($filter: WorklistFilter, $orderBy: WorklistOrder, $first: Int, $after: String) {
  worklist(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    edges { cursor node { id status dueDate overdue priority } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`;

/** An instant `hours` after 2026-11-28T09:00:00-05:00, written with an offset. */
function dueIn(hours: number, offset = '-05:00'): string {
  const ms = Date.parse('2026-11-28T14:00:00Z') + hours * 3_600_000;
  const shift = offset === 'Z' ? 0 : (offset.startsWith('-') ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4))) * 60_000;
  const local = new Date(ms + shift).toISOString().slice(0, 19);
  return `${local}${offset}`;
}

describe('GraphQL worklist', () => {
  let service: TestApp;
  let clock: ControlledClock;
  let fhir: FhirTestClient;
  let token: string;

  beforeAll(async () => {
    clock = new ControlledClock(NOW);
    service = await bootTestApp({}, { clock });
    fhir = await fhirClient(service);
    token = (await issueToken(service, { scopes: ['system/*.rs'] })).accessToken;
  });
  afterAll(() => service?.close());

  async function page(variables: Record<string, unknown>, as = token): Promise<Page['worklist']> {
    const response = await graphql<Page>(service, as, PAGE, variables);
    expect(response.errors).toBeUndefined();
    return response.data!.worklist;
  }

  async function ids(filter: Record<string, unknown>, orderBy = 'DUE_DATE'): Promise<string[]> {
    return (await page({ filter, orderBy, first: 100 })).edges.map((edge) => edge.node.id);
  }

  describe('paging while Tasks are inserted', () => {
    const owner = 'Practitioner/pager';
    const specs: TaskSpec[] = [];
    beforeAll(async () => {
      await put(fhir, [patient('pg-pat', 'Pager', 'Pat')]);
      for (let i = 0; i < 25; i++) {
        // Pairs share a due time (written with different offsets), so ids break ties.
        const offset = i % 2 === 0 ? '-05:00' : 'Z';
        specs.push({ id: `pg-${String(i).padStart(2, '0')}`, patientId: 'pg-pat', owner, due: dueIn(Math.floor(i / 2), offset) });
      }
      await put(fhir, specs.map(task));
    });

    it('returns every Task exactly once, in (due, id) order, and later pages include what was inserted after the cursor', async () => {
      const seen: string[] = [];
      const first = await page({ filter: { owner }, first: 10 });
      seen.push(...first.edges.map((e) => e.node.id));
      expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
      expect(first.pageInfo.endCursor).toBe(first.edges.at(-1)?.cursor);

      // Between pages: one Task before the cursor (already passed), one tied with the last row
      // (id after it), one in the middle of what is left, one at the very end; and one of the
      // unseen Tasks is finished (leaves the open worklist).
      const lastSeen = specs.find((s) => s.id === seen.at(-1))!;
      const inserted: TaskSpec[] = [
        { id: 'pg-ins-early', patientId: 'pg-pat', owner, due: dueIn(-5) },
        { id: 'pg-zz-tied', patientId: 'pg-pat', owner, due: lastSeen.due },
        { id: 'pg-ins-mid', patientId: 'pg-pat', owner, due: dueIn(8.5) },
        { id: 'pg-ins-late', patientId: 'pg-pat', owner, due: dueIn(100) },
      ];
      await put(fhir, [...inserted.map(task), task({ ...specs[20], status: 'cancelled' })]);

      let cursor = first.pageInfo.endCursor;
      for (let guard = 0; cursor && guard < 10; guard++) {
        const next = await page({ filter: { owner }, first: 10, after: cursor });
        expect(next.pageInfo.hasPreviousPage).toBe(true);
        seen.push(...next.edges.map((e) => e.node.id));
        cursor = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
      }

      expect(new Set(seen).size).toBe(seen.length);
      const expected = [...specs.filter((s) => s.id !== specs[20].id || seen.slice(0, 10).includes(s.id)), ...inserted.slice(1)]
        .sort((a, b) => Date.parse(a.due) - Date.parse(b.due) || (a.id < b.id ? -1 : 1))
        .map((s) => s.id);
      expect(seen).toEqual(expected);
      expect(seen).not.toContain('pg-ins-early');
    });

    it('counts all matching Tasks over every page', async () => {
      const response = await graphql<Page>(service, token, `{ worklist(filter: {owner: "${owner}"}, first: 1) { totalCount edges { node { id } } } }`);
      // 25 + 4 inserted - 1 completed
      expect(response.data?.worklist.totalCount).toBe(28);
      expect(response.data?.worklist.edges).toHaveLength(1);
    });

    it('refuses a cursor of another order, a made-up cursor and a page size out of range', async () => {
      const first = await page({ filter: { owner }, first: 2 });
      const wrongOrder = await graphql(service, token, PAGE, { filter: { owner }, orderBy: 'PRIORITY', after: first.pageInfo.endCursor });
      const madeUp = await graphql(service, token, PAGE, { after: Buffer.from('["due","2026-01-01; DROP TABLE x",3,"a"]').toString('base64url') });
      const tooMany = await graphql(service, token, PAGE, { first: 101 });
      const none = await graphql(service, token, PAGE, { first: 0 });
      for (const response of [wrongOrder, madeUp, tooMany, none]) expect(codes(response)).toEqual(['BAD_USER_INPUT']);
    });
  });

  describe('filters and orders', () => {
    const A = 'Practitioner/filter-a';
    const B = 'CareTeam/filter-b';
    beforeAll(async () => {
      await put(fhir, [patient('f-p1', 'One', 'Filter'), patient('f-p2', 'Two', 'Filter')]);
      await put(fhir, [
        task({ id: 'f-overdue', patientId: 'f-p1', owner: A, due: '2026-11-27T09:00:00-05:00', code: 'post-discharge-contact', priority: 'urgent' }),
        task({ id: 'f-marked', patientId: 'f-p1', owner: A, due: '2026-11-30T09:00:00-05:00', overdueMarked: true, status: 'in-progress' }),
        task({ id: 'f-soon', patientId: 'f-p2', owner: A, due: '2026-11-28T09:00:00-05:00', code: 'follow-up-appointment', priority: 'stat' }),
        task({ id: 'f-later', patientId: 'f-p2', owner: A, due: '2026-12-03T09:00:00-05:00', code: 'medication-reconciliation', status: 'ready' }),
        task({ id: 'f-done', patientId: 'f-p1', owner: A, due: '2026-11-20T09:00:00-05:00', status: 'completed' }),
        task({ id: 'f-draft', patientId: 'f-p1', owner: A, due: '2026-11-29T09:00:00-05:00', status: 'draft' }),
        task({ id: 'f-team', patientId: 'f-p2', owner: B, due: '2026-11-29T09:00:00-05:00', priority: 'asap' }),
      ]);
    });

    it.each<[string, Record<string, unknown>, string[]]>([
      ['owner: open work by due date (no drafts, nothing finished)', { owner: A }, ['f-overdue', 'f-soon', 'f-marked', 'f-later']],
      ['another owner', { owner: B }, ['f-team']],
      ['status', { owner: A, status: ['IN_PROGRESS', 'READY'] }, ['f-marked', 'f-later']],
      ['finished status', { owner: A, status: ['COMPLETED'] }, ['f-done']],
      ['drafts on request', { owner: A, status: ['DRAFT'] }, ['f-draft']],
      ['code', { owner: A, code: ['follow-up-appointment', 'medication-reconciliation'] }, ['f-soon', 'f-later']],
      ['priority', { patient: 'f-p2', priority: ['STAT', 'ASAP'] }, ['f-soon', 'f-team']],
      ['patient', { patient: 'f-p1' }, ['f-overdue', 'f-marked']],
      ['due before', { owner: A, dueBefore: '2026-11-28T09:00:00-05:00' }, ['f-overdue']],
      ['due after (inclusive)', { owner: A, dueAfter: '2026-11-28T09:00:00-05:00' }, ['f-soon', 'f-marked', 'f-later']],
      ['due between, in another zone', { owner: A, dueAfter: '2026-11-28T00:00:00Z', dueBefore: '2026-12-01T00:00:00+01:00' }, ['f-soon', 'f-marked']],
      ['overdue: past due or marked by the sweep', { owner: A, overdue: true }, ['f-overdue', 'f-marked']],
      ['not overdue', { owner: A, overdue: false }, ['f-soon', 'f-later']],
    ])('%s', async (_case, filter, expected) => {
      expect(await ids(filter)).toEqual(expected);
    });

    it('orders by priority: most urgent first, then earliest due', async () => {
      expect(await ids({ owner: A }, 'PRIORITY')).toEqual(['f-soon', 'f-overdue', 'f-marked', 'f-later']);
    });

    it('pages in priority order too', async () => {
      const first = await page({ filter: { owner: A }, orderBy: 'PRIORITY', first: 3 });
      const rest = await page({ filter: { owner: A }, orderBy: 'PRIORITY', first: 3, after: first.pageInfo.endCursor });
      expect([...first.edges, ...rest.edges].map((e) => e.node.id)).toEqual(['f-soon', 'f-overdue', 'f-marked', 'f-later']);
      expect(rest.pageInfo.hasNextPage).toBe(false);
    });

    it('computes overdue with the service clock', async () => {
      const before = await page({ filter: { owner: A } });
      expect(Object.fromEntries(before.edges.map((e) => [e.node.id, e.node.overdue]))).toEqual({
        'f-overdue': true,
        'f-soon': false,
        'f-marked': true,
        'f-later': false,
      });
      clock.set('2026-11-28T10:00:00-05:00');
      try {
        expect(await ids({ owner: A, overdue: true })).toEqual(['f-overdue', 'f-soon', 'f-marked']);
      } finally {
        clock.set(NOW);
      }
    });

    it('refuses a malformed owner or due bound', async () => {
      for (const filter of [{ owner: 'Observation/1' }, { dueBefore: 'tomorrow' }, { dueAfter: '2026-11-28' }]) {
        expect(codes(await graphql(service, token, PAGE, { filter }))).toEqual(['BAD_USER_INPUT']);
      }
    });

    it('sees nothing of another tenant', async () => {
      const other = await issueToken(service, { tenant: 'other-tenant', scopes: ['system/*.*'] });
      expect((await page({ filter: { owner: A } }, other.accessToken)).edges).toEqual([]);
      const theirFhir = await fhirClient(service, { tenant: 'other-tenant' });
      await put(theirFhir, [patient('f-p1', 'Other', 'Tenant'), task({ id: 'f-theirs', patientId: 'f-p1', owner: A, due: '2026-11-28T09:00:00-05:00' })]);
      expect((await page({ filter: { owner: A } }, other.accessToken)).edges.map((e) => e.node.id)).toEqual(['f-theirs']);
      expect(await ids({ owner: A })).toEqual(['f-overdue', 'f-soon', 'f-marked', 'f-later']);
    });

    it('needs a token (UNAUTHENTICATED) with Task search scope (FORBIDDEN)', async () => {
      expect(codes(await graphql(service, undefined, PAGE, {}))).toEqual(['UNAUTHENTICATED']);
      const patientsOnly = await issueToken(service, { scopes: ['system/Patient.rs'] });
      expect(codes(await graphql(service, patientsOnly.accessToken, PAGE, {}))).toEqual(['FORBIDDEN']);
    });
  });

  describe('no N+1', () => {
    const owners = ['Practitioner/np-1', 'Practitioner/np-2', 'Practitioner/np-3'];
    const QUERY = `query Page($first: Int) {
      worklist(filter: { code: ["medication-reconciliation"] }, first: $first) {
        totalCount
        edges { node {
          id dueDate overdue
          patient { id name identifiers { value } }
          ownerResource { ... on Practitioner { id name } }
          coverage { status period { start end } payor { display } }
        } }
      }
    }`;

    beforeAll(async () => {
      const resources = [];
      for (let i = 0; i < 50; i++) {
        const id = `np-${String(i).padStart(2, '0')}`;
        resources.push(patient(`${id}-p`, `Family${i}`, 'Given'), coverage(`${id}-c`, `${id}-p`));
        resources.push(task({ id, patientId: `${id}-p`, owner: owners[i % 3], due: dueIn(i), code: 'medication-reconciliation' }));
      }
      resources.push(...owners.map((ref, i) => practitioner(ref.split('/')[1], `Coordinator${i}`, 'Casey')));
      await put(fhir, resources);
    });

    /**
     * Statements the service sends to PostgreSQL in tenant-scoped transactions (those that set
     * the tenant role, as every GraphQL read does) while `run` is in flight, counted on the
     * connections of its pool. Background work of other modules (delivery workers, schedules)
     * runs as the service, not in a tenant scope, and is left out.
     */
    async function statementsDuring(run: () => Promise<void>): Promise<number> {
      const pool = (service.app.get(DataSource).driver as unknown as { master: Pool }).master;
      let counting = false;
      let count = 0;
      const transactions = new WeakMap<PoolClient, string[]>();
      const counted = new WeakSet<PoolClient>();
      const onAcquire = (client: PoolClient): void => {
        if (counted.has(client)) return;
        counted.add(client);
        const query = client.query.bind(client) as (...args: unknown[]) => unknown;
        (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
          const text = String(typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string }).text);
          if (counting) {
            const statements = [...(transactions.get(client) ?? []), text];
            transactions.set(client, statements);
            if (/^(COMMIT|ROLLBACK)/.test(text)) {
              if (statements.some((s) => s.includes("set_config('role'"))) count += statements.length;
              transactions.delete(client);
            }
          }
          return query(...args);
        };
      };
      pool.on('acquire', onAcquire);
      try {
        counting = true;
        await run();
        counting = false;
      } finally {
        pool.off('acquire', onAcquire);
      }
      return count;
    }

    it('answers a page of 50 Tasks with patient, owner and coverage in a small, constant number of statements', async () => {
      let small: Page | null = null;
      let large: Page | null = null;
      const forTen = await statementsDuring(async () => {
        small = (await graphql<Page>(service, token, QUERY, { first: 10 })).data;
      });
      const forFifty = await statementsDuring(async () => {
        const response = await graphql<Page>(service, token, QUERY, { first: 50 });
        expect(response.errors).toBeUndefined();
        large = response.data;
      });
      const nodes = (large as unknown as { worklist: { edges: { node: Record<string, unknown> }[] } }).worklist.edges.map((e) => e.node);
      expect(nodes).toHaveLength(50);
      expect((small as unknown as Page).worklist.edges).toHaveLength(10);
      expect(nodes[7]).toMatchObject({
        id: 'np-07',
        patient: { id: 'np-07-p', name: 'Given Family7', identifiers: [{ value: 'MRN-np-07-p' }] },
        ownerResource: { id: 'np-2', name: 'Casey Coordinator1' },
        coverage: [{ status: 'active', payor: [{ display: 'Acme Health' }] }],
      });
      // One tenant transaction for the request (BEGIN, SET role/tenant, COMMIT) around five
      // reads: the worklist page, its count, then one batch each of patients, practitioners and
      // coverage, whatever the page size.
      expect(forFifty).toBeLessThanOrEqual(10);
      expect(forFifty).toBe(forTen);
    });

    it('reads a page with its patients and their coverage in one statement (between BEGIN and COMMIT)', async () => {
      const PAGE_WITH_PATIENTS = `query Page($first: Int) {
        worklist(filter: { code: ["medication-reconciliation"] }, first: $first) {
          edges { node { id patient { id name } ...Cover } }
        }
      }
      fragment Cover on Task { coverage { status payor { display } } }`;
      let answer: Page | null = null;
      const run = () =>
        statementsDuring(async () => {
          const response = await graphql<Page>(service, token, PAGE_WITH_PATIENTS, { first: 20 });
          expect(response.errors).toBeUndefined();
          answer = response.data;
        });
      // The second run executes the query compiled by graphql-jit (Mercurius compiles a query it has seen).
      const statements = [await run(), await run()];
      const nodes = (answer as unknown as { worklist: { edges: { node: Record<string, unknown> }[] } }).worklist.edges.map((e) => e.node);
      expect(nodes).toHaveLength(20);
      expect(nodes[3]).toEqual({
        id: 'np-03',
        patient: { id: 'np-03-p', name: 'Given Family3' },
        coverage: [{ status: 'active', payor: [{ display: 'Acme Health' }] }],
      });
      expect(statements).toEqual([3, 3]);
    });

    it('shows the same patients and coverage with the page as a Task read on its own does', async () => {
      const owner = 'Practitioner/ra-1';
      await put(fhir, [
        patient('ra-p1', 'Ahead', 'Ann'),
        coverage('ra-c1b', 'ra-p1'),
        coverage('ra-c1a', 'ra-p1'),
        patient('ra-p2', 'Gone', 'Gil'),
        patient('ra-p3', 'Lapsed', 'Lou'),
        coverage('ra-c3', 'ra-p3', { period: { start: '2024-01-01', end: '2025-12-31' } }),
        task({ id: 'ra-1', patientId: 'ra-p1', owner, due: dueIn(1) }),
        task({ id: 'ra-2', patientId: 'ra-p2', owner, due: dueIn(2) }),
        task({ id: 'ra-3', patientId: 'ra-p3', owner, due: dueIn(3) }),
        task({ id: 'ra-4', patientId: 'ra-nobody', owner, due: dueIn(4) }),
      ]);
      expect((await fhir.http('/Patient/ra-p2', { method: 'DELETE' })).status).toBeLessThan(300);
      const fields = 'id patient { id name } coverage { id active }';
      const listed = await graphql<{ worklist: { nodes: unknown[] } }>(service, token, `{ worklist(filter: { owner: "${owner}" }, first: 10) { nodes { ${fields} } } }`);
      expect(listed.errors).toBeUndefined();
      const alone = [];
      for (const id of ['ra-1', 'ra-2', 'ra-3', 'ra-4']) {
        alone.push((await graphql<{ task: unknown }>(service, token, `{ task(id: "${id}") { ${fields} } }`)).data?.task);
      }
      expect(listed.data?.worklist.nodes).toEqual(alone);
      expect(alone).toEqual([
        { id: 'ra-1', patient: { id: 'ra-p1', name: 'Ann Ahead' }, coverage: [{ id: 'ra-c1a', active: true }, { id: 'ra-c1b', active: true }] },
        { id: 'ra-2', patient: null, coverage: [] },
        { id: 'ra-3', patient: { id: 'ra-p3', name: 'Lou Lapsed' }, coverage: [] },
        { id: 'ra-4', patient: null, coverage: [] },
      ]);
    });

    it('leaves the patient and coverage out of the page statement when the token may not read them', async () => {
      const tasksOnly = await issueToken(service, { scopes: ['system/Task.rs'] });
      const response = await graphql<Page>(service, tasksOnly.accessToken, '{ worklist(first: 1) { edges { node { id patient { id } } } } }');
      expect(codes(response)).toEqual(['FORBIDDEN']);
    });
  });

  it('keeps Task ids unique in a page even when one is written twice meanwhile', async () => {
    const t: Task = task({ id: 'dup-1', patientId: 'f-p1', owner: 'Practitioner/dup', due: dueIn(1) });
    await put(fhir, [t]);
    await put(fhir, [{ ...t, priority: 'urgent' }]);
    expect(await ids({ owner: 'Practitioner/dup' })).toEqual(['dup-1']);
  });
});
