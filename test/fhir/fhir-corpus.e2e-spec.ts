import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OperationOutcome, Resource } from '@medplum/fhirtypes';
import { bootTestApp, TestApp } from '../harness/test-app';
import { fhirClient, FhirTestClient } from './support/fhir-clients';

const FIXTURES = join(__dirname, '..', 'fixtures', 'fhir');
const CORPUS = join(FIXTURES, 'corpus');
const VALIDATOR = join(FIXTURES, 'validator');

const corpus = readdirSync(CORPUS)
  .filter((name) => name.endsWith('.json'))
  .sort()
  .map((name) => ({ name, text: readFileSync(join(CORPUS, name), 'utf8') }))
  .map((file) => ({ ...file, resource: JSON.parse(file.text) as Resource }));

const validatorCases = readdirSync(VALIDATOR)
  .filter((name) => name.endsWith('.json') && !name.endsWith('.expected-outcome.json'))
  .sort()
  .map((name) => {
    const expected = JSON.parse(readFileSync(join(VALIDATOR, name.replace(/\.json$/, '.expected-outcome.json')), 'utf8')) as OperationOutcome;
    const errors = (expected.issue ?? []).filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
    const text = readFileSync(join(VALIDATOR, name), 'utf8');
    let type: string | undefined;
    try {
      type = (JSON.parse(text) as Resource).resourceType;
    } catch {
      type = undefined;
    }
    return { name, text, type, errors };
  });

/** Our issue is about the element the reference validator names: the same path, or inside it. */
function sameElement(ours: string, theirs: string): boolean {
  return ours === theirs || ours.startsWith(`${theirs}.`) || ours.startsWith(`${theirs}[`);
}

describe('FHIR corpus', () => {
  let service: TestApp;
  let client: FhirTestClient;
  let putClient: FhirTestClient;

  beforeAll(async () => {
    service = await bootTestApp();
    client = await fhirClient(service, { tenant: 'corpus-post' });
    putClient = await fhirClient(service, { tenant: 'corpus-put' });
  });
  afterAll(() => service.close());

  async function storedCount(): Promise<number> {
    const [row] = await service.sql(`SELECT count(*)::int AS n FROM fhir_resources`);
    return Number(row.n);
  }

  describe('every corpus resource of a served type is accepted', () => {
    const stored = corpus.filter((file) => file.resource.resourceType !== 'Bundle');
    const bundles = corpus.filter((file) => file.resource.resourceType === 'Bundle');

    it('covers the served types', () => {
      expect([...new Set(stored.map((file) => file.resource.resourceType))].sort()).toEqual([
        'CarePlan', 'Coverage', 'Encounter', 'Location', 'Organization', 'Patient', 'Practitioner', 'PractitionerRole',
        'RelatedPerson', 'ServiceRequest', 'Task',
      ]);
      expect(stored).toHaveLength(63);
      expect(bundles).toHaveLength(2);
    });

    it.each(stored.map((file) => [file.name, file] as const))('%s: created with POST, and with PUT under its own id', async (_name, file) => {
      const posted = await client.http(`/${file.resource.resourceType}`, { method: 'POST', body: file.text });
      const postedBody = (await posted.json()) as Resource;
      expect({ status: posted.status, issues: (postedBody as OperationOutcome).issue }).toEqual({ status: 201, issues: undefined });

      const put = await putClient.http(`/${file.resource.resourceType}/${file.resource.id}`, { method: 'PUT', body: file.text });
      expect(put.status).toBe(201);
      const read = (await putClient.medplum.readResource(file.resource.resourceType, file.resource.id!)) as Resource;
      const { meta: _meta, ...withoutMeta } = read;
      const { meta: _original, ...original } = file.resource;
      expect(withoutMeta).toEqual(original);
    });

    it.each(bundles.map((file) => [file.name, file] as const))('%s: a valid Bundle ($validate)', async (_name, file) => {
      const response = await client.http('/Bundle/$validate', { method: 'POST', body: file.text });
      expect(response.status).toBe(200);
    });
  });

  describe('each validator case gets the outcome its manifest expects', () => {
    it('has the cases', () => {
      expect(validatorCases).toHaveLength(17);
    });

    it.each(validatorCases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      const before = await storedCount();
      const response =
        testCase.type === 'Bundle'
          ? await client.http('/Bundle/$validate', { method: 'POST', body: testCase.text })
          : await client.http(`/${testCase.type ?? 'Patient'}`, { method: 'POST', body: testCase.text });
      const outcome = (await response.json()) as OperationOutcome;

      if (testCase.errors.length === 0) {
        expect(response.status).toBe(testCase.type === 'Bundle' ? 200 : 201);
        return;
      }
      expect(response.status).toBe(400);
      expect(outcome.resourceType).toBe('OperationOutcome');
      expect(await storedCount()).toBe(before);
      const ours = (outcome.issue ?? []).filter((i) => i.severity === 'error').flatMap((i) => i.expression ?? []);
      if (testCase.type === undefined) {
        // Not JSON at all: there is no element to point at; one error says so.
        expect(outcome.issue?.[0].details?.text).toMatch(/not valid JSON/);
        return;
      }
      for (const expected of testCase.errors) {
        for (const theirs of expected.expression ?? []) {
          expect({ theirs, matched: ours.some((path) => sameElement(path, theirs)) }).toEqual({ theirs, matched: true });
        }
      }
    });
  });
});
