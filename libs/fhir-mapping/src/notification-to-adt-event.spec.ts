import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, Coverage, Encounter, Location, Patient, Resource } from '@medplum/fhirtypes';
import { parseConditionalReference } from './identifier-systems';
import { mapNotificationBundle } from './notification-to-adt-event';
import { byKey, written } from './testing/receive-fixture';

const bundle = (name: string): Bundle => JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/hl7/notifications', name), 'utf8'));
const identity = (key: string | undefined): string => {
  const parsed = parseConditionalReference(key ?? '');
  return `${parsed?.resourceType} ${parsed?.system}|${parsed?.value}`;
};

const STU1_PATIENT = 'Patient http://hospital.smarthealthit.org|06e1f0dd-5fbe-4480-9bb4-6b54ec02d31b';
const STU11_PATIENT = 'Patient http://example.org/fhir/mrn|06e1f0dd-5fbe-4480-9bb4-6b54ec02d31b';
const ENCOUNTER = 'Encounter http://example.org|Elden718Halvorson12420181021T2122150700';

describe('Da Vinci notification bundles → AdtEvent', () => {
  it.each([
    // file, event code, domain event, message time, patient, encounter status, writes
    ['davinci_stu11_admit_notification_message_bundle_01.json', 'notification-admit', 'encounter.admitted', '2020-08-17T17:15:12.011868Z', STU11_PATIENT, 'in-progress', 'Organization Organization Practitioner Location Patient Encounter Coverage Condition'],
    ['davinci_stu11_admit_intermediary_translate_bundle.json', 'notification-admit', 'encounter.admitted', '2020-08-18T03:46:17.181063Z', STU11_PATIENT, 'in-progress', 'Organization Organization Practitioner Location Patient Encounter Condition'],
    ['davinci_stu11_discharge_notification_message_bundle_01.json', 'notification-discharge', 'encounter.discharged', '2020-08-17T19:00:15.888493Z', STU11_PATIENT, 'finished', 'Organization Organization Practitioner Location Patient Encounter Coverage Condition'],
    ['davinci_stu1_admit_notification_message_bundle_01.json', 'notification-admit', 'encounter.admitted', '2020-08-17T17:15:12.011868Z', STU1_PATIENT, 'in-progress', 'Organization Organization Practitioner Location Patient Encounter Coverage Condition'],
    ['davinci_stu1_admit_intermediary_translate_bundle.json', 'notification-admit', 'encounter.admitted', '2020-08-18T03:46:17.181063Z', STU1_PATIENT, 'in-progress', 'Organization Organization Practitioner Location Patient Encounter Condition'],
    ['davinci_stu1_discharge_notification_message_bundle_01.json', 'notification-discharge', 'encounter.discharged', '2020-08-17T19:00:15.888493Z', STU1_PATIENT, 'finished', 'Organization Organization Practitioner Location Patient Encounter Coverage Condition'],
    ['davinci_stu1_transfer_notification_message_bundle_01.json', 'notification-transfer', 'encounter.transferred', '2020-08-17T18:57:26.887078Z', STU1_PATIENT, 'in-progress', 'Organization Organization Practitioner Location Patient Encounter Coverage Condition'],
  ])('%s', (file, eventCode, domainEvent, time, patient, status, writes) => {
    const event = mapNotificationBundle(bundle(file));
    expect(event).toMatchObject({ eventCode, domainEvent, messageTime: time, merges: [], warnings: [] });
    expect(identity(event.patient)).toBe(patient);
    expect(identity(event.encounter)).toBe(ENCOUNTER);
    expect(byKey<Encounter>(event, event.encounter).status).toBe(status);
    expect(event.writes.map((w) => w.resource.resourceType).join(' ')).toBe(writes);
    for (const write of event.writes) {
      // No sender ids or server metadata; each resource traced to the message.
      expect(write.resource.id).toBeUndefined();
      expect(write.resource.meta).toEqual({ source: event.source.uri });
      // Only references to earlier writes (or to nothing in the bundle) remain.
      const earlier = new Set(event.writes.slice(0, event.writes.indexOf(write)).map((w) => w.key));
      for (const reference of JSON.stringify(write.resource).match(/"reference":"[^"]*"/g) ?? []) {
        expect(earlier.has(JSON.parse(`{${reference}}`).reference)).toBe(true);
      }
    }
  });

  it('names the message it came from: sender endpoint and MessageHeader id', () => {
    const event = mapNotificationBundle(bundle('davinci_stu11_discharge_notification_message_bundle_01.json'));
    expect(event.source).toEqual({
      protocol: 'fhir-messaging',
      sender: 'https://example.org/Endpoints/P456',
      messageId: 'df0bb058-e0bb-11ea-a11a-864d2e68a322',
      uri: 'urn:liaison:fhir-message:https%3A%2F%2Fexample.org%2FEndpoints%2FP456:df0bb058-e0bb-11ea-a11a-864d2e68a322',
    });
  });

  it.each([
    ['davinci_stu1_discharge_notification_message_bundle_01.json', 'http://www.nubc.org/patient-discharge#1'],
    ['davinci_stu11_discharge_notification_message_bundle_01.json', 'http://terminology.hl7.org/CodeSystem/nubc-UB92#1'],
  ])('adds the discharge-disposition coding to the UB-04 code of %s', (file, ub04) => {
    const event = mapNotificationBundle(bundle(file));
    const disposition = byKey<Encounter>(event, event.encounter).hospitalization?.dischargeDisposition;
    expect(disposition?.coding?.map((c) => `${c.system}#${c.code}`)).toEqual(['http://terminology.hl7.org/CodeSystem/discharge-disposition#home', ub04]);
  });

  it('finds resources without identifiers by an identifier minted from the sender and its id, and adds it to them', () => {
    const event = mapNotificationBundle(bundle('davinci_stu1_discharge_notification_message_bundle_01.json'));
    const [location] = written<Location>(event, 'Location');
    const minted = { system: 'urn:liaison:fhir-message:https%3A%2F%2Fexample.org%2FEndpoints%2FP456:Location', value: '09188b81-0d1d-453c-b0fa-203ef88c794c' };
    expect(location.identifier).toEqual([minted]);
    expect(event.writes.find((w) => w.resource === location)?.match).toEqual([minted]);
    const [coverage] = written<Coverage>(event, 'Coverage');
    expect(coverage.beneficiary.reference).toBe(event.patient);
    expect(identity(coverage.payor[0].reference)).toBe('Organization http://hl7.org/fhir/sid/us-npi|0000010005');
    expect(coverage.subscriberId).toBe('12345');
  });

  it('prefers the MR identifier of a Patient and keeps the rest for matching', () => {
    const event = mapNotificationBundle(bundle('davinci_stu1_admit_notification_message_bundle_01.json'));
    const write = event.writes.find((w) => w.key === event.patient)!;
    expect(write.match.map((i) => i.system)).toEqual([
      'http://hospital.smarthealthit.org',
      'https://github.com/synthetichealth/synthea',
      'http://hl7.org/fhir/sid/us-ssn',
      'urn:oid:2.16.840.1.113883.4.3.25',
    ]);
    expect((write.resource as Patient).birthDate).toBe('2000-10-15');
  });

  it('drops a reference to nothing in the bundle, keeping its display, with a warning', () => {
    const source = bundle('davinci_stu11_admit_notification_message_bundle_01.json');
    const encounter = source.entry!.find((e) => e.resource?.resourceType === 'Encounter')!.resource as Encounter;
    encounter.serviceProvider = { reference: 'urn:uuid:00000000-0000-0000-0000-000000000000', display: 'Elsewhere' };
    const event = mapNotificationBundle(source);
    expect(byKey<Encounter>(event, event.encounter).serviceProvider).toEqual({ display: 'Elsewhere' });
    expect(event.warnings.map((w) => w.expression?.[0])).toEqual(['Encounter.serviceProvider']);
  });

  it('warns when a discharge notification carries an Encounter that is not finished', () => {
    const source = bundle('davinci_stu11_discharge_notification_message_bundle_01.json');
    (source.entry!.find((e) => e.resource?.resourceType === 'Encounter')!.resource as Encounter).status = 'in-progress';
    expect(mapNotificationBundle(source).warnings.map((w) => w.expression?.[0])).toEqual(['Encounter.status']);
  });
});

describe('what is not a notification', () => {
  const errorOf = (input: unknown): { code: string; expression?: string } => {
    try {
      mapNotificationBundle(input as Bundle);
    } catch (error) {
      if (!(error instanceof OperationOutcomeError)) throw error;
      return { code: error.outcome.issue[0].code, expression: error.outcome.issue[0].expression?.[0] };
    }
    throw new Error('expected an error');
  };
  const admit = (): Bundle => bundle('davinci_stu11_admit_notification_message_bundle_01.json');
  const headerOf = (b: Bundle): Resource & Record<string, unknown> => b.entry![0].resource as Resource & Record<string, unknown>;

  it.each([
    ['the process-message OperationOutcome', 'davinci_stu11_process_message_200_operationoutcome.json', 'structure', 'Bundle'],
    ['a MessageHeader alone', 'davinci_stu1_admit_notification_messageheader_01.json', 'structure', 'Bundle'],
    ['a Coverage alone', 'davinci_stu1_adt_notification_coverage_01.json', 'structure', 'Bundle'],
    ['a Provenance alone', 'davinci_stu1_adt_notification_provenance_01.json', 'structure', 'Bundle'],
    ['the R4 example MessageHeader', 'r4spec_messageheader-example.json', 'structure', 'Bundle'],
  ])('%s (%s)', (_name, file, code, expression) => {
    expect(errorOf(JSON.parse(readFileSync(join(__dirname, '../../../test/fixtures/hl7/notifications', file), 'utf8')))).toEqual({ code, expression });
  });

  it.each([
    ['a batch Bundle', (b: Bundle) => ({ ...b, type: 'batch' }), 'invalid', 'Bundle.type'],
    ['no MessageHeader first', (b: Bundle) => ({ ...b, entry: b.entry!.slice(1) }), 'invalid', 'Bundle.entry[0].resource'],
    [
      'an event that is not a notification',
      (b: Bundle) => {
        headerOf(b).eventCoding = { system: 'http://example.org/fhir/message-events', code: 'admin-notify' };
        return b;
      },
      'not-supported',
      'Bundle.entry[0].resource.eventCoding',
    ],
    ['no timestamp', (b: Bundle) => ({ ...b, timestamp: undefined }), 'required', 'Bundle.timestamp'],
    [
      'a focus outside the bundle',
      (b: Bundle) => {
        headerOf(b).focus = [{ reference: 'Encounter/elsewhere' }];
        return b;
      },
      'required',
      'Bundle.entry[0].resource.focus[0]',
    ],
    ['an Encounter without its Patient', (b: Bundle) => ({ ...b, entry: b.entry!.filter((e) => e.resource?.resourceType !== 'Patient') }), 'required', 'Encounter.subject'],
  ])('%s', (_name, change, code, expression) => {
    expect(errorOf(change(admit()))).toEqual({ code, expression });
  });
});
