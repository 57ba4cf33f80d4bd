import type { Bundle, Task } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { matchIds, nextLink, searchClient, SearchTestClient } from './search-client';

/**
 * Keyset paging: `next` links stay correct while rows are added between pages. Every resource
 * that existed when the first page was read appears exactly once, whatever is inserted later.
 */
describe('FHIR search paging', () => {
  let service: TestApp;
  let fhir: SearchTestClient;
  let serial = 0;

  const newTask = (owner: string, extra: Partial<Task> = {}): Promise<Task> =>
    fhir.create<Task>({
      resourceType: 'Task',
      status: 'requested',
      intent: 'order',
      owner: { reference: owner },
      identifier: [{ system: 'urn:paging', value: String(serial++) }],
      ...extra,
    });

  /** Follows next links from `first`, inserting `between()` before each further page. */
  async function allPages(first: string, between: (page: number) => Promise<unknown>): Promise<{ ids: string[]; pages: Bundle[] }> {
    const pages: Bundle[] = [await fhir.search(first)];
    for (let link = nextLink(pages[0]); link; link = nextLink(pages.at(-1)!)) {
      await between(pages.length);
      pages.push(await fhir.search(link));
      if (pages.length > 50) throw new Error('paging does not end');
    }
    return { ids: pages.flatMap(matchIds), pages };
  }

  beforeAll(async () => {
    service = await bootTestApp();
    fhir = await searchClient(service, 'search-paging');
  });
  afterAll(() => service.close());

  it('loses and repeats nothing in id order while tasks are inserted between pages', async () => {
    const owner = 'Practitioner/pager-1';
    const existing = await Promise.all(Array.from({ length: 25 }, () => newTask(owner)));
    const inserted: string[] = [];
    const { ids, pages } = await allPages(`Task?owner=${owner}&status=requested&_count=7`, async () => {
      for (let i = 0; i < 5; i++) inserted.push((await newTask(owner)).id!);
    });

    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(new Set(ids).size).toBe(ids.length);
    for (const task of existing) expect(ids.filter((id) => id === task.id)).toHaveLength(1);
    // Inserted rows show up only where they sort after the cursor; none is repeated.
    expect(ids.filter((id) => !existing.some((t) => t.id === id)).every((id) => inserted.includes(id))).toBe(true);
    expect(ids).toEqual([...ids].sort());
  });

  it('pages newest first (_sort=-_lastUpdated) while newer tasks arrive', async () => {
    const owner = 'Practitioner/pager-2';
    const existing: Task[] = [];
    for (let i = 0; i < 12; i++) existing.push(await newTask(owner));
    const inserted: string[] = [];
    const { ids } = await allPages(`Task?owner=${owner}&_sort=-_lastUpdated&_count=5`, async () => {
      inserted.push((await newTask(owner)).id!);
    });
    // Newer rows sort before the cursor, so later pages hold exactly the original rows, newest
    // first (ties on the same millisecond by id, in the same direction).
    const newestFirst = [...existing]
      .sort((a, b) => (a.meta!.lastUpdated! === b.meta!.lastUpdated! ? (a.id! < b.id! ? 1 : -1) : a.meta!.lastUpdated! < b.meta!.lastUpdated! ? 1 : -1))
      .map((t) => t.id);
    expect(ids).toEqual(newestFirst);
    expect(inserted).toHaveLength(2);
  });

  it('pages by a nullable, multi-valued sort key in mixed directions', async () => {
    const owner = 'Practitioner/pager-3';
    const existing: Task[] = [];
    for (let i = 0; i < 14; i++) {
      const authoredOn = i % 4 === 0 ? undefined : `2024-0${1 + (i % 3)}-1${i % 5}T00:00:00Z`;
      existing.push(await newTask(owner, { status: i % 2 ? 'requested' : 'accepted', ...(authoredOn ? { authoredOn } : {}) }));
    }
    const query = `Task?owner=${owner}&_sort=status,-authored-on&_count=4`;
    const single = matchIds(await fhir.search(`Task?owner=${owner}&_sort=status,-authored-on&_count=100`));
    const { ids } = await allPages(query, async (page) => {
      await newTask(owner, { status: page % 2 ? 'requested' : 'accepted', authoredOn: '2024-02-11T00:00:00Z' });
    });
    const original = ids.filter((id) => existing.some((t) => t.id === id));
    expect(original).toEqual(single);
    expect(new Set(ids).size).toBe(ids.length);

    // The order itself: status ascending, then newest authored-on first, tasks without one last.
    const byId = new Map(existing.map((t) => [t.id!, t]));
    const keys = single.map((id) => [byId.get(id)!.status, byId.get(id)!.authoredOn ?? null] as const);
    for (let i = 1; i < keys.length; i++) {
      const [s0, d0] = keys[i - 1];
      const [s1, d1] = keys[i];
      expect(s0 <= s1).toBe(true);
      if (s0 === s1 && d0 !== null) expect(d1 === null || d0 >= d1).toBe(true);
      if (s0 === s1 && d0 === null) expect(d1).toBeNull();
    }
  });

  it('keeps _total, _include and the query in every next link', async () => {
    const owner = 'Practitioner/pager-4';
    for (let i = 0; i < 5; i++) await newTask(owner, { for: { reference: 'Patient/nobody' } });
    const first = await fhir.search(`Task?owner=${owner}&_count=2&_total=accurate&_include=Task:patient`);
    expect(first.total).toBe(5);
    const link = new URL(nextLink(first)!);
    expect(link.searchParams.get('owner')).toBe(owner);
    expect(link.searchParams.get('_count')).toBe('2');
    expect(link.searchParams.get('_include')).toBe('Task:patient');
    expect(link.searchParams.get('_cursor')).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await fhir.search(link.toString());
    expect(second.total).toBe(5);
    expect(second.link?.find((l) => l.relation === 'self')?.url).toContain('_cursor=');
  });

  it('merges a worklist over owners written relative and absolute, several owners and statuses, in both id orders', async () => {
    const fhirBase = `${service.config.baseUrl}/fhir/R4`;
    const owners = ['Practitioner/pager-6a', 'Practitioner/pager-6b', 'Practitioner/pager-6c'];
    const statuses: Task['status'][] = ['requested', 'accepted', 'in-progress'];
    const expected = new Map<string, Task>();
    for (let i = 0; i < 24; i++) {
      const owner = owners[i % 3];
      const task = await newTask(i % 2 ? `${fhirBase}/${owner}` : owner, { status: statuses[Math.floor(i / 3) % 3] });
      expected.set(task.id!, task);
    }
    const matching = (ownerSet: string[], statusSet: string[]): string[] =>
      [...expected.values()].filter((t) => statusSet.includes(t.status) && ownerSet.some((o) => t.owner!.reference!.endsWith(o))).map((t) => t.id!).sort();

    // 2 owners × 2 forms × 2 statuses = 8 index ranges merged; 3 owners × 2 × 2 = 12 take the planned statement.
    for (const ownerSet of [owners.slice(0, 1), owners.slice(0, 2), owners]) {
      for (const statusSet of [['requested'], ['requested', 'accepted']]) {
        const want = matching(ownerSet, statusSet);
        expect(want.length).toBeGreaterThan(1);
        const query = `Task?owner=${ownerSet.join(',')}&status=${statusSet.join(',')}`;
        const ascending = await allPages(`${query}&_count=3`, async () => undefined);
        expect({ query, ids: ascending.ids }).toEqual({ query, ids: want });
        const byId = await allPages(`${query}&_sort=_id&_count=2`, async () => undefined);
        expect({ query, ids: byId.ids }).toEqual({ query, ids: want });
        // Tasks inserted between pages show up only where they sort after the cursor: the others are compared.
        const descending = await allPages(`${query}&_sort=-_id&_count=2`, async () => {
          const task = await newTask(ownerSet[0]);
          expected.set(task.id!, task);
        });
        expect({ query, ids: descending.ids.filter((id) => want.includes(id)) }).toEqual({ query, ids: [...want].reverse() });
        expect(new Set(descending.ids).size).toBe(descending.ids.length);
      }
    }
  });

  it('answers a worklist page with _elements, _summary and _pretty like any other page', async () => {
    const owner = 'Practitioner/pager-7';
    for (let i = 0; i < 3; i++) await newTask(owner, { note: [{ text: `task ${i}` }] });
    const plain = await fhir.search(`Task?owner=${owner}&status=requested`);
    expect(plain.entry).toHaveLength(3);
    expect((plain.entry![0].resource as Task).note?.[0].text).toMatch(/^task \d$/);

    const elements = await fhir.search(`Task?owner=${owner}&status=requested&_elements=status`);
    expect(Object.keys(elements.entry![0].resource!).sort()).toEqual(['id', 'meta', 'resourceType', 'status']);
    const summary = await fhir.search(`Task?owner=${owner}&status=requested&_summary=true`);
    expect((summary.entry![0].resource as Task).note).toBeUndefined();
    expect((summary.entry![0].resource as Task).status).toBe('requested');
    expect((summary.entry![0].resource as Task).meta?.tag?.map((t) => t.code)).toContain('SUBSETTED');

    const pretty = await fhir.request('GET', `Task?owner=${owner}&status=requested&_pretty=true`);
    const text = await pretty.text();
    expect(text).toContain('\n  "type": "searchset"');
    expect(JSON.parse(text)).toEqual(plain);
  });

  it('refuses a tampered cursor, or one reused with another sort, with a 400', async () => {
    const owner = 'Practitioner/pager-5';
    for (let i = 0; i < 3; i++) await newTask(owner);
    const next = new URL(nextLink(await fhir.search(`Task?owner=${owner}&_count=1`))!);
    const cursor = next.searchParams.get('_cursor')!;
    const tampered = cursor.slice(0, 4) + (cursor[4] === 'A' ? 'B' : 'A') + cursor.slice(5);
    expect((await fhir.request('GET', `Task?owner=${owner}&_count=1&_cursor=${tampered}`)).status).toBe(400);
    expect((await fhir.request('GET', `Task?owner=${owner}&_count=1&_sort=-_lastUpdated&_cursor=${cursor}`)).status).toBe(400);
    expect((await fhir.request('GET', `Task?owner=${owner}&_count=1&_cursor=${cursor}`)).status).toBe(200);
  });
});
