import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, CarePlan, Encounter, OperationOutcome, Patient, Resource } from '@medplum/fhirtypes';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { bootTestApp, TestApp } from '../harness/test-app';

/**
 * `POST /fhir/R4/$process-message` with the Da Vinci Unsolicited Notifications of the corpus
 * (test/fixtures/hl7/notifications, copied from ../shared/corpus/notifications).
 */
const NOTIFICATIONS = join(__dirname, '..', 'fixtures', 'hl7', 'notifications');
const read = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(NOTIFICATIONS, file), 'utf8')) as Record<string, unknown>;
const ENCOUNTER = encodeURIComponent('http://example.org|Elden718Halvorson12420181021T2122150700');
const PATIENT = encodeURIComponent('http://example.org/fhir/mrn|06e1f0dd-5fbe-4480-9bb4-6b54ec02d31b');

describe('FHIR notifications ($process-message)', () => {
  let service: TestApp;
  let sender: FhirTestClient;
  let reader: FhirTestClient;
  beforeAll(async () => {
    service = await bootTestApp();
    sender = await fhirClient(service, { scopes: ['system/Patient.cu', 'system/Encounter.cu'] });
    reader = await fhirClient(service, { scopes: ['system/*.rs'] });
  });
  afterAll(async () => service?.close());

  async function post(body: unknown, client = sender): Promise<{ status: number; outcome: OperationOutcome; text: string }> {
    const response = await client.http('/$process-message', { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    expect(response.headers.get('content-type')).toMatch(/^application\/fhir\+json/);
    return { status: response.status, outcome: JSON.parse(text) as OperationOutcome, text };
  }

  async function search<T extends Resource>(path: string): Promise<T[]> {
    const response = await reader.http(path);
    expect(response.status).toBe(200);
    return (((await response.json()) as Bundle).entry ?? []).map((e) => e.resource as T);
  }

  it('an admit notification: 200 "fully processed", the Patient and Encounter written, traceable to the message', async () => {
    const { status, outcome } = await post(read('davinci_stu11_admit_notification_message_bundle_01.json'));
    expect(status).toBe(200);
    expect(outcome.issue?.[0]).toMatchObject({ severity: 'information', code: 'informational' });
    const [encounter] = await search<Encounter>(`/Encounter?identifier=${ENCOUNTER}`);
    expect(encounter).toMatchObject({ status: 'in-progress', class: { code: 'EMER' } });
    expect(encounter.meta?.source).toBe('urn:liaison:fhir-message:https%3A%2F%2Fexample.org%2FEndpoints%2FP456:31ab7fe2-e0ad-11ea-bf7c-864d2e68a322');
    const [patient] = await search<Patient>(`/Patient?identifier=${PATIENT}`);
    expect(encounter.subject?.reference).toBe(`Patient/${patient.id}`);
  });

  it('the same message again: the same answer, and nothing written a second time', async () => {
    const [before] = await search<Encounter>(`/Encounter?identifier=${ENCOUNTER}`);
    const first = await service.sql(`SELECT reply FROM ingest_messages WHERE control_id = '31ab7fe2-e0ad-11ea-bf7c-864d2e68a322'`);
    const again = await post(read('davinci_stu11_admit_notification_message_bundle_01.json'));
    expect(again.status).toBe(200);
    expect(again.text).toBe(first[0].reply);
    const [after] = await search<Encounter>(`/Encounter?identifier=${ENCOUNTER}`);
    expect(after.meta?.versionId).toBe(before.meta?.versionId);
    expect(await service.sql(`SELECT count(*)::int AS n FROM ingest_messages WHERE protocol = 'fhir-messaging'`)).toEqual([{ n: 1 }]);
  });

  it('a transfer, then a discharge home: the encounter finishes and coordination plans the transition', async () => {
    expect((await post(read('davinci_stu1_transfer_notification_message_bundle_01.json'))).status).toBe(200);
    const { status } = await post(read('davinci_stu11_discharge_notification_message_bundle_01.json'));
    expect(status).toBe(200);
    const [encounter] = await search<Encounter>(`/Encounter?identifier=${ENCOUNTER}`);
    expect(encounter.status).toBe('finished');
    expect(encounter.hospitalization?.dischargeDisposition?.coding?.map((c) => c.code)).toContain('home');
    const plans = await search<CarePlan>(`/CarePlan?encounter=Encounter/${encounter.id}`);
    expect(plans.length).toBeGreaterThan(0);
  });

  it.each([
    'davinci_stu1_admit_notification_message_bundle_01.json',
    'davinci_stu1_discharge_notification_message_bundle_01.json',
    'davinci_stu11_admit_intermediary_translate_bundle.json',
    'davinci_stu1_admit_intermediary_translate_bundle.json',
  ])('%s: accepted (200)', async (file) => {
    const { status, outcome } = await post(read(file));
    expect(status).toBe(200);
    expect(outcome.issue?.[0].severity).toBe('information');
  });

  it('all those notifications are about one patient and one encounter', async () => {
    expect(await search(`/Encounter?identifier=${ENCOUNTER}`)).toHaveLength(1);
    expect(await search(`/Patient?identifier=${PATIENT}`)).toHaveLength(1);
  });

  it.each([
    ['a MessageHeader alone', read('davinci_stu1_admit_notification_messageheader_01.json'), 400, 'Bundle'],
    ['a Coverage', read('davinci_stu1_adt_notification_coverage_01.json'), 400, 'Bundle'],
    ['a Bundle that is not a message', { ...read('davinci_stu11_admit_notification_message_bundle_01.json'), type: 'collection' }, 400, 'Bundle.type'],
    [
      'an event this receiver does not take',
      (() => {
        const bundle = read('davinci_stu11_admit_notification_message_bundle_01.json') as unknown as Bundle;
        const header = { ...bundle.entry![0].resource, eventCoding: { system: 'http://hl7.org/fhir/us/davinci-alerts/CodeSystem/notification-event', code: 'notification-lunch' } };
        return { ...bundle, entry: [{ ...bundle.entry![0], resource: header }, ...bundle.entry!.slice(1)] };
      })(),
      400,
      'Bundle.entry[0].resource.eventCoding',
    ],
  ] as const)('%s: an OperationOutcome naming what is wrong', async (_name, body, status, expression) => {
    const answer = await post(body);
    expect(answer.status).toBe(status);
    expect(answer.outcome.resourceType).toBe('OperationOutcome');
    expect(answer.outcome.issue?.[0]).toMatchObject({ severity: 'error', expression: [expression] });
  });

  it('not JSON: 400 with an OperationOutcome', async () => {
    const answer = await post('{"resourceType": "Bundle",');
    expect(answer.status).toBe(400);
    expect(answer.outcome.issue?.[0].severity).toBe('error');
  });

  it('needs a token that may create and update Patients and Encounters', async () => {
    const readOnly = await fhirClient(service, { scopes: ['system/*.rs'] });
    const response = await readOnly.http('/$process-message', { method: 'POST', body: JSON.stringify(read('davinci_stu11_admit_notification_message_bundle_01.json')) });
    expect(response.status).toBe(403);
    const anonymous = await fetch(`${service.baseUrl}/fhir/R4/$process-message`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{}' });
    expect(anonymous.status).toBe(401);
  });
});
