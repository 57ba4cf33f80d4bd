import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Hl7Message } from '@medplum/core';
import type { Condition, Coverage, Encounter, Organization, Patient, Practitioner, RelatedPerson } from '@medplum/fhirtypes';
import { parseHl7Message } from '@liaison/hl7';
import type { AdtEvent } from './adt-event';
import { mapAdtMessage } from './adt-to-fhir';
import { parseConditionalReference } from './identifier-systems';
import { byKey, receive, written, type Received } from './testing/receive-fixture';

const FIXTURES = join(__dirname, '../../../test/fixtures/hl7');
const bytesOf = (file: string): Uint8Array => readFileSync(join(FIXTURES, file));
const received = (file: string): Received[] => receive(bytesOf(file));
const eventOf = (file: string, index = 0): AdtEvent => {
  const result = received(file)[index];
  if (!result.event) throw new Error(`${file}: ${JSON.stringify(result.verdict)}`);
  return result.event;
};
const patientOf = (event: AdtEvent): Patient => byKey<Patient>(event, event.patient);
const encounterOf = (event: AdtEvent): Encounter => byKey<Encounter>(event, event.encounter);
const identity = (key: string | undefined): string => {
  const parsed = parseConditionalReference(key ?? '');
  return parsed ? `${parsed.resourceType} ${parsed.system}|${parsed.value}` : String(key);
};
const codes = (concept: { coding?: { system?: string; code?: string }[] } | undefined): string[] =>
  (concept?.coding ?? []).map((c) => `${c.system}#${c.code}`);

const V28_PATIENT = 'Patient urn:oid:2.16.1|PATID1234';
const V28_ENCOUNTER = 'Encounter urn:oid:1.2|40007716';
const V28_TIME = '2029-08-01T07:06:24+01:15';

/**
 * Every message of the corpus: the acknowledgment its MANIFEST expects (the application verdict,
 * and the one ACK actually sent under the message's acknowledgment mode), the event it means,
 * its time, and which resources it writes.
 */
describe('corpus: acknowledgment and event of every message', () => {
  type Row = readonly [application: string, reply: string, type?: string, domainEvent?: string, time?: string, writes?: string];
  const ENCOUNTER_V28 = 'Practitioner Practitioner Practitioner Practitioner Patient Encounter';
  const FULL_V28 = 'Practitioner Practitioner Practitioner Practitioner Organization Patient Encounter Coverage RelatedPerson Condition';
  const corpus: [string, Row[]][] = [
    ['adt_a01_v22_sap_ish_german_cr_ipf.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2004-08-05T15:26:37Z', 'Practitioner Patient Encounter RelatedPerson']]],
    ['adt_a01_v231_oid_sending_app_cr_ipf.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2009-11-12T11:51:39Z', 'Patient Encounter']]],
    ['adt_a01_v231_pix_quoted_null_first_identifier_crlf_ipf.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2010-07-16T12:57:45Z', 'Patient Encounter']]],
    [
      'adt_a01_v23_bom_gt1_dg1_in1_in2_x3_trailing_spaces_msconverter.hl7',
      [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2005-01-10T04:55:02+07:00', 'Practitioner Organization Organization Patient Encounter Coverage Coverage RelatedPerson Condition']],
    ],
    ['adt_a01_v23_minimal_mirth.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2011-06-13T08:36:17Z', 'Patient Encounter']]],
    [
      'adt_a01_v24_epic_style_pd1_rol_con_nk1_pv2_al1_dg1_gt1_in1_in2_znm_zsegment_hl7standard.hl7',
      [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2007-05-10T09:26:00Z', 'Practitioner Practitioner Organization Patient Encounter Coverage RelatedPerson Condition']],
    ],
    ['adt_a01_v251_bom_nk1_msconverter.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2007-08-18T11:23:00+07:00', 'Practitioner Patient Encounter RelatedPerson']]],
    ['adt_a01_v25_sap_ish_adt_a01_structure_ipf.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', '2004-08-05T15:26:37Z', 'Practitioner Patient Encounter RelatedPerson']]],
    ['adt_a01_v28_full_sft_pd1_rol_db1_obx_al1_dg1_pr1_gt1_in1_in2_msconverter.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', V28_TIME, FULL_V28]]],
    ['adt_a01_v28_minimal_evn_pid_pv1_msconverter.hl7', [['AA', 'AA', 'ADT^A01', 'encounter.admitted', V28_TIME, ENCOUNTER_V28]]],
    ['adt_a02_v28_transfer_full_msconverter.hl7', [['AA', 'AA', 'ADT^A02', 'encounter.transferred', V28_TIME, ENCOUNTER_V28]]],
    ['adt_a03_v251_nist_syndromic_surveillance_dg1x3_obx_elixirhl7.hl7', [['AA', 'AA', 'ADT^A03', 'encounter.discharged', '2012-04-02T00:30:00Z', 'Patient Encounter Condition Condition Condition']]],
    ['adt_a03_v25_italian_oncology_pr1_hapi.hl7', [['AA', 'AA', 'ADT^A03', 'encounter.discharged', '2008-03-05T15:09:00Z', 'Practitioner Practitioner Patient Encounter']]],
    ['adt_a03_v28_discharge_minimal_msconverter.hl7', [['AA', 'AA', 'ADT^A03', 'encounter.discharged', V28_TIME, ENCOUNTER_V28]]],
    ['adt_a04_v23_bom_nk1x2_repeating_phones_odd_pid_msconverter.hl7', [['AA', 'AA', 'ADT^A04', 'encounter.registered', '2001-01-01T00:00:00+07:00', 'Practitioner Patient Encounter RelatedPerson RelatedPerson']]],
    ['adt_a04_v23_bom_no_evn_redox_msconverter.hl7', [['AA', 'AA', 'ADT^A04', 'encounter.registered', '2019-05-04T18:12:05+07:00', 'Practitioner Patient Encounter RelatedPerson']]],
    ['adt_a04_v23_register_mirth.hl7', [['AA', 'AA', 'ADT^A04', 'encounter.registered', '2011-06-13T08:36:17Z', 'Practitioner Patient Encounter']]],
    ['adt_a04_v25_epic_lf_repetition_inside_pv1_location_medplum.hl7', [['AA', 'AA', 'ADT^A04', 'encounter.registered', '1999-12-27T14:08:00Z', 'Practitioner Patient Encounter RelatedPerson']]],
    ['adt_a04_v28_register_full_msconverter.hl7', [['AA', 'AA', 'ADT^A04', 'encounter.registered', V28_TIME, FULL_V28]]],
    ['adt_a05_v28_preadmit_full_msconverter.hl7', [['AA', 'AA', 'ADT^A05', 'encounter.preadmitted', V28_TIME, FULL_V28]]],
    ['adt_a06_v28_outpatient_to_inpatient_mrg_msconverter.hl7', [['AA', 'AA', 'ADT^A06', 'encounter.class-changed', '2021-01-15T16:00:10+02:15', 'Practitioner Practitioner Patient Encounter']]],
    ['adt_a07_v28_inpatient_to_outpatient_mrg_msconverter.hl7', [['AA', 'AA', 'ADT^A07', 'encounter.class-changed', '2021-01-15T16:00:10+02:15', 'Practitioner Practitioner Patient Encounter']]],
    ['adt_a08_v231_pix_ipf.hl7', [['AA', 'AA', 'ADT^A08', 'patient.updated', '2010-08-03T21:18:16Z', 'Patient']]],
    ['adt_a08_v28_update_full_msconverter.hl7', [['AA', 'AA', 'ADT^A08', 'patient.updated', V28_TIME, FULL_V28]]],
    ['adt_a08_v28_update_minimal_msconverter.hl7', [['AA', 'AA', 'ADT^A08', 'patient.updated', V28_TIME, ENCOUNTER_V28]]],
    ['adt_a11_v28_cancel_admit_sft_db1_obx_msconverter.hl7', [['AA', 'AA', 'ADT^A11', 'encounter.cancelled', V28_TIME, ENCOUNTER_V28]]],
    ['adt_a13_v28_cancel_discharge_pv2_msconverter.hl7', [['AA', 'AA', 'ADT^A13', 'encounter.discharge-cancelled', V28_TIME, ENCOUNTER_V28]]],
    ['adt_a28_v28_add_person_minimal_msconverter.hl7', [['AA', 'AA', 'ADT^A28', 'patient.updated', V28_TIME, 'Patient']]],
    ['adt_a31_v28_update_person_full_msconverter.hl7', [['AA', 'AA', 'ADT^A31', 'patient.updated', V28_TIME, 'Organization Patient Coverage RelatedPerson']]],
    ['adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7', [['AA', 'AA', 'ADT^A40', 'patient.merged', '2012-05-10T16:35:34Z', 'Patient']]],
    ['adt_a40_v231_merge_oid_sending_app_cr_ipf.hl7', [['AA', 'AA', 'ADT^A40', 'patient.merged', '2009-11-12T11:51:39Z', 'Patient']]],
    ['adt_a40_v23_merge_mrg_mirth.hl7', [['AA', 'AA', 'ADT^A40', 'patient.merged', '2011-06-13T12:24:06Z', 'Patient']]],
    ['adt_a40_v28_merge_two_pid_mrg_pairs_msconverter.hl7', [['AA', 'AA', 'ADT^A40', 'patient.merged', '2019-04-23T15:01:37+02:15', 'Patient Patient']]],
    ['bar_p01_v24_brace_escape_char_gt1_in1_dst_zlike_hapi.hl7', [['AA', 'AA', 'BAR^P01', 'patient.updated', '1993-05-02T18:48:02Z', 'Organization Patient Coverage RelatedPerson']]],
    ['batch_empty_fhs_bhs_bts_fts_no_messages_rubyhl7.hl7', []],
    [
      'batch_fhs_two_bhs_three_adt_a04_v25_vinah_pythonhl7.hl7',
      Array.from({ length: 3 }, () => ['AA', 'AA', 'ADT^A04', 'encounter.registered', '2006-07-05T00:00:00Z', 'Patient Encounter'] as const),
    ],
    [
      'batch_two_adt_a04_concatenated_no_header_pythonhl7.hl7',
      Array.from({ length: 2 }, () => ['AA', 'AA', 'ADT^A04', 'encounter.registered', '2006-07-05T00:00:00Z', 'Patient Encounter'] as const),
    ],
    ['edge_adt_a24_v24_caret_field_sep_tilde_component_pipe_repetition_hapi.hl7', [['AA', 'AA', 'ADT^A24', undefined, '2012-09-18T17:39:31-05:00', '']]],
    ['edge_adt_v21_msh9_without_trigger_event_medplum.hl7', [['AR', 'AR']]],
    ['edge_bar_p01_v24_quoted_nulls_everywhere_hapi.hl7', [['AA', 'AA', 'BAR^P01', 'patient.updated', '1993-05-02T19:41:28Z', 'Patient']]],
    // MSH-15 AL, MSH-16 NE: a commit acknowledgment, which for a rejected message is CR.
    ['edge_orm_o01_v24_whitespace_padded_fields_mirth.hl7', [['AR', 'CR']]],
    ['malformed_adt_a01_v231_missing_pid_ipf.hl7', [['AE', 'AE']]],
    // MSH-15 AL, MSH-16 NE: the sender asked for a commit acknowledgment only.
    ['malformed_adt_a01_v23_missing_repetition_char_vt_trailer_rubyhl7.hl7', [['AA', 'CA', 'ADT^A01', 'encounter.admitted', '2000-07-25T07:12:00Z', 'Practitioner Organization Patient Encounter Coverage']]],
    ['malformed_batch_nested_bhs_inside_message_pythonhl7.hl7', [['AR', 'AR']]],
    ['malformed_oru_r01_v23_space_as_escape_char_hl7standard.hl7', [['AR', 'AR']]],
    ['malformed_som_eom_text_markers_mirth.txt', [['AR', 'AR']]],
  ];

  it.each(corpus)('%s', (file, rows) => {
    const results = received(file);
    expect(
      results.map(({ application, reply, event }) =>
        event
          ? [application, reply, event.messageType, event.domainEvent, event.messageTime, event.writes.map((w) => w.resource.resourceType).join(' ')]
          : [application, reply],
      ),
    ).toEqual(rows);
    for (const result of results) {
      // The ACK on the wire says the same, and echoes the message's control id.
      const ack = Hl7Message.parse(result.ack);
      expect(ack.getAckType()).toBe(result.reply);
    }
  });

  it('covers every file of the corpus', () => {
    const files = readdirSync(FIXTURES).filter((f) => /\.(hl7|txt)$/.test(f));
    expect(corpus.map(([file]) => file).sort()).toEqual(files.sort());
  });
});

describe('corpus: errors name the segment and field', () => {
  it.each([
    ['malformed_adt_a01_v231_missing_pid_ipf.hl7', 'MSA|AE|123456|ADT\\S\\A01 requires a PID segment', 'ERR|PID^1^^100&Segment sequence error&HL70357'],
    ['edge_adt_v21_msh9_without_trigger_event_medplum.hl7', 'MSA|AR|MSG00001|No trigger event: MSH-9.2 is empty and there is no EVN-1', 'ERR|MSH^1^9^201&Unsupported event code&HL70357'],
    ['edge_orm_o01_v24_whitespace_padded_fields_mirth.hl7', 'MSA|CR|12345678|Message type ORM is not supported; this receiver takes ADT, BAR', 'ERR|MSH^1^9^200&Unsupported message type&HL70357'],
    ['malformed_batch_nested_bhs_inside_message_pythonhl7.hl7', 'MSA|AR|12334456778890', 'ERR||BHS^2|100^Segment sequence error^HL70357|E||||BHS inside an open batch: the previous batch has no BTS trailer'],
    ['malformed_oru_r01_v23_space_as_escape_char_hl7standard.hl7', 'MSA|AR|201103290820062979|', 'ERR|MSH^1^2^102&Data type error&HL70357'],
    ['malformed_som_eom_text_markers_mirth.txt', 'MSA|AR|603266|', 'ERR|MSH^1^^100&Segment sequence error&HL70357'],
  ])('%s', (file, msa, err) => {
    const [{ ack }] = received(file);
    const [, msaSegment, errSegment] = ack.split('\r');
    expect(msaSegment.startsWith(msa)).toBe(true);
    expect(errSegment).toBe(err);
  });

  const pv1 = (visit: string, discharged: string): string =>
    ['PV1', '1', 'I', ...Array<string>(16).fill(''), visit, ...Array<string>(25).fill(''), discharged].join('|');
  it.each([
    ['an invalid PID-7', 'PID|1||123^^^H^MR||DOE^JOHN||19611345|M', 'PID-7', '102'],
    ['a missing PID-3', 'PID|1||||DOE^JOHN||19610615|M', 'PID-3', '101'],
    ['a PID-3 that is only the explicit null', 'PID|1||""||DOE^JOHN||19610615|M', 'PID-3', '101'],
    ['an invalid discharge time', `PID|1||123^^^H^MR\r${pv1('V1^^^H^VN', '20260231')}`, 'PV1-45', '102'],
    ['an invalid EVN-2', 'EVN|A08|yesterday\rPID|1||123^^^H^MR', 'EVN-2', '102'],
  ])('%s', (_name, body, expression, hl7Code) => {
    const message = `MSH|^~\\&|APP|FAC|||20260301101500||ADT^A08|C1|P|2.5.1\r${body}`;
    const [result] = receive(new TextEncoder().encode(message));
    expect(result.application).toBe('AE');
    expect(result.verdict?.errors[0]).toMatchObject({ hl7Code, location: { segment: expression.slice(0, 3), field: Number(expression.slice(4)) } });
    expect(result.ack).toContain(`ERR||${expression.replace('-', '^1^')}^1|${hl7Code}^`);
  });
});

describe('corpus: the resources each message implies', () => {
  it('SAP IS-H v2.2 admit: Patient, inpatient Encounter with its visit number, next of kin', () => {
    const event = eventOf('adt_a01_v22_sap_ish_german_cr_ipf.hl7');
    expect(identity(event.patient)).toBe('Patient urn:liaison:hl7:facility:HZL:patient|79471');
    expect(patientOf(event)).toMatchObject({
      name: [{ family: 'Nachname', given: ['Vorname'] }],
      gender: 'male',
      address: [{ use: 'home', line: ['Blahplatz 1'], city: 'Foo', state: 'NW', postalCode: '11000', country: 'DE' }],
      maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'S' }, { code: 'S' }] },
      meta: { source: 'urn:liaison:hl7:HZL:123456' },
    });
    expect(identity(event.encounter)).toBe('Encounter urn:liaison:hl7:facility:HZL:visit|79237645');
    expect(encounterOf(event)).toMatchObject({
      status: 'in-progress',
      class: { system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'IMP' },
      period: { start: '2004-08-05T00:00:00Z' },
      location: [{ location: { display: 'ISKA, 13, 4' }, status: 'active' }],
      subject: { reference: event.patient },
    });
    const [kin] = written<RelatedPerson>(event, 'RelatedPerson');
    expect(kin).toMatchObject({
      patient: { reference: event.patient },
      name: [{ family: 'Nachname', given: ['Vorname'] }],
      telecom: [
        { system: 'phone', value: '333-4444', use: 'home' },
        { system: 'phone', value: '333-5555', use: 'home' },
      ],
    });
    expect(codes(kin.relationship?.[0])).toEqual(['http://terminology.hl7.org/CodeSystem/v2-0063#EMC']);
  });

  it('PIX feed admit: three identifiers with their OID systems, three names, two addresses, e-mail', () => {
    const patient = patientOf(eventOf('adt_a01_v231_oid_sending_app_cr_ipf.hl7'));
    expect(patient.identifier?.map((i) => `${i.system}|${i.value}`)).toEqual([
      'urn:oid:1.3.6.1.4.1.21367.2005.1.1|PIX10515W3',
      'urn:oid:1.2.3.4.5.1000|PIX10515W4',
      'urn:liaison:hl7:assigning-authority:domain2|PIX10515W5',
    ]);
    expect(patient.name).toEqual([
      { use: 'official', family: 'WASHINGTON', given: ['MARY', 'ROSE'], prefix: ['Dr.'], suffix: ['II'] },
      { use: 'official', given: ['ANNE'] },
      { family: 'DEAN' },
    ]);
    expect(patient.birthDate).toBe('1977-12-08');
    expect(patient.gender).toBe('female');
    expect(patient.address?.map((a) => a.line?.[0])).toEqual(['100 JORIE BLVD 5', '1 SECOND ADDRESS']);
    expect(patient.telecom).toEqual([
      { system: 'phone', value: '012-0001', use: 'home' },
      { system: 'phone', value: '012-0003', use: 'mobile' },
      { system: 'fax', value: '012-0004', use: 'home' },
      { system: 'email', value: 'marywash@gmx.de', use: 'home' },
      { system: 'phone', value: '012-0002', use: 'work' },
    ]);
    expect(patient.deceasedBoolean).toBe(false);
  });

  it('PIX A01 with "" as first PID-3 repetition: an explicit null, not an identifier', () => {
    const event = eventOf('adt_a01_v231_pix_quoted_null_first_identifier_crlf_ipf.hl7');
    const patient = patientOf(event);
    expect(patient.identifier?.map((i) => i.value)).toEqual(['306563', '30753']);
    expect(identity(event.patient)).toBe('Patient urn:oid:2.16.840.1.113883.3.37.4.1.1.2.1.1|306563');
    expect(patient.telecom).toEqual([{ system: 'email', value: 'bankrobber@aol.com', use: 'home' }]);
    // No visit or account number: the encounter is created, never matched, and the sender is told.
    expect(event.encounter).toBe('local:Encounter/1');
    expect(event.warnings.map((w) => w.expression?.[0])).toContain('PV1-19');
  });

  it('AccMgr admit with a BOM: two coverages with payors, self-pay skipped, diagnosis, next of kin', () => {
    const event = eventOf('adt_a01_v23_bom_gt1_dg1_in1_in2_x3_trailing_spaces_msconverter.hl7');
    expect(patientOf(event)).toMatchObject({ name: [{ family: 'DUCK', given: ['DONALD', 'D'] }], birthDate: '1924-10-10', gender: 'male' });
    expect(encounterOf(event)).toMatchObject({
      class: { code: 'IMP' },
      period: { start: '2005-01-10T04:55:02+07:00' },
      hospitalization: { admitSource: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/admit-source', code: 'gp' }, { code: '1' }] } },
    });
    expect(encounterOf(event).participant?.map((p) => [p.type?.[0].coding?.[0].code, identity(p.individual?.reference)])).toEqual([
      ['ATND', 'Practitioner urn:liaison:hl7:assigning-authority:AccMgr|37'],
      ['ADM', 'Practitioner urn:liaison:hl7:assigning-authority:AccMgr|37'],
    ]);
    const coverages = written<Coverage>(event, 'Coverage');
    expect(coverages.map((c) => [c.subscriberId, c.payor[0].display, c.order, c.period?.start])).toEqual([
      ['123121234A', 'MEDICARE', 1, '1989-10-01'],
      ['056269770', 'MEDICAL MUTUAL CALIF.', 2, undefined],
    ]);
    expect(coverages[0].beneficiary.reference).toBe(event.patient);
    expect(written<Organization>(event, 'Organization').map((o) => `${o.name}: ${o.identifier?.[0].value}`)).toEqual(['MEDICARE: 3', 'MEDICAL MUTUAL CALIF.: 9']);
    expect(event.warnings.map((w) => w.expression?.[0])).toEqual(['IN1[3]']);
    const [diagnosis] = written<Condition>(event, 'Condition');
    expect(diagnosis.code).toEqual({
      coding: [{ system: 'http://hl7.org/fhir/sid/icd-9-cm', code: '71596', display: 'OSTEOARTHROS NOS-L/LEG' }],
      text: 'OSTEOARTHROS NOS-L/LEG',
    });
    expect(codes(diagnosis.category?.[0])).toEqual(['http://terminology.hl7.org/CodeSystem/condition-category#encounter-diagnosis']);
    expect(diagnosis.encounter?.reference).toBe(event.encounter);
  });

  it('Mirth minimal admit: the account number PID-18 identifies the encounter when PV1-19 is empty', () => {
    const event = eventOf('adt_a01_v23_minimal_mirth.hl7');
    expect(identity(event.encounter)).toBe('Encounter urn:liaison:hl7:facility:SENDING_FACILITY:account|1719');
    expect(patientOf(event).telecom).toEqual([
      { system: 'phone', value: '(407)939-1289', use: 'home' },
      { system: 'email', value: 'theMainMouse@disney.com', use: 'home' },
    ]);
  });

  it('Epic-style v2.4 admit: coverage for self, ignores ROL/CON/ZNM, skips the employer NK1', () => {
    const event = eventOf('adt_a01_v24_epic_style_pd1_rol_con_nk1_pv2_al1_dg1_gt1_in1_in2_znm_zsegment_hl7standard.hl7');
    expect(encounterOf(event)).toMatchObject({ class: { code: 'AMB' }, period: { start: '2007-05-10T09:25:00Z' } });
    const [coverage] = written<Coverage>(event, 'Coverage');
    expect(coverage).toMatchObject({ subscriberId: 'W004745652', subscriber: { reference: event.patient }, period: { start: '2007-01-01' } });
    expect(codes(coverage.relationship)).toEqual([
      'http://terminology.hl7.org/CodeSystem/subscriber-relationship#self',
      'http://terminology.hl7.org/CodeSystem/v2-0063#SELF',
    ]);
    expect(written<RelatedPerson>(event, 'RelatedPerson').map((r) => r.name?.[0].family)).toEqual(['KNIGHT']);
    expect(written<Condition>(event, 'Condition')[0].code).toEqual({ text: 'Pregnancy' });
  });

  it('v2.5.1 admit with a BOM: MR identity over SSN, spouse as next of kin', () => {
    const event = eventOf('adt_a01_v251_bom_nk1_msconverter.hl7');
    expect(identity(event.patient)).toBe('Patient urn:liaison:hl7:assigning-authority:ADT1|PATID1234');
    expect(patientOf(event).identifier?.[1]).toMatchObject({ system: 'http://hl7.org/fhir/sid/us-ssn', value: '123456789' });
    expect(identity(event.encounter)).toBe('Encounter urn:liaison:hl7:assigning-authority:ADT1|PATID12345001');
    const [spouse] = written<RelatedPerson>(event, 'RelatedPerson');
    expect(codes(spouse.relationship?.[0])).toEqual([
      'http://terminology.hl7.org/CodeSystem/v3-RoleCode#SPS',
      'http://terminology.hl7.org/CodeSystem/v2-0063#SPO',
    ]);
  });

  it('v2.8 full admit: everything, with OIDs from &-subcomponents and \\T\\ unescaped', () => {
    const event = eventOf('adt_a01_v28_full_sft_pd1_rol_db1_obx_al1_dg1_pr1_gt1_in1_in2_msconverter.hl7');
    expect(identity(event.patient)).toBe(V28_PATIENT);
    expect(event.eventOccurredAt).toBe('2021-08-17T15:19:43.4+02:00');
    expect(patientOf(event)).toMatchObject({
      birthDate: '1988-08-18',
      deceasedDateTime: '2008-08-25T11:16:30+01:15',
      address: [{ type: 'postal', line: ['1000 Hospital Lane', 'Ste. 123'], city: 'Ann Arbor', state: 'MI', postalCode: '99999', country: 'USA' }],
    });
    expect(event.writes.find((w) => w.key === event.patient)?.nulls).toEqual(['deceasedBoolean']);
    const encounter = encounterOf(event);
    expect(identity(event.encounter)).toBe(V28_ENCOUNTER);
    expect(encounter.hospitalization?.admitSource?.coding?.[0].code).toBe('NHS Provider-General (inc.A&E-this Hosp)');
    expect(encounter.reasonCode).toEqual([{ coding: [{ system: 'http://snomed.info/sct', code: '140004', display: 'Chronic pharyngitis' }], text: 'Chronic pharyngitis' }]);
    expect(written<Practitioner>(event, 'Practitioner').map((p) => `${p.identifier?.[0].system}|${p.identifier?.[0].value}`)).toEqual([
      'urn:oid:1.23|1122334',
      'urn:liaison:hl7:assigning-authority:AccMgr|37',
      'urn:liaison:hl7:assigning-authority:TEST|C006',
      'urn:oid:1.3.6.1.4.1.44750.1.2.2|C008',
    ]);
    const [coverage] = written<Coverage>(event, 'Coverage');
    expect(coverage).toMatchObject({
      subscriberId: 'PN-145',
      subscriber: { display: 'Rosallie John Doe' },
      period: { start: '1989-10-01', end: '2050-10-01' },
      payor: [{ display: 'Blue Cross Blue Shield of Texas' }],
    });
    expect(identity(coverage.payor[0].reference)).toBe('Organization urn:oid:2.16.840.1.113883.1.1|IC-1.31');
    expect(coverage.class?.map((c) => `${c.type.coding?.[0].code}=${c.value}`)).toEqual(['group=PUBSUMB', 'plan=BAV']);
    const [condition] = written<Condition>(event, 'Condition');
    expect(condition).toMatchObject({
      identifier: [{ system: 'urn:oid:1.3.6.1.4.1.44750.1.2.2', value: 'DI20' }],
      recordedDate: '2004-01-25T11:40:25+04:20',
      verificationStatus: { coding: [{ code: 'provisional' }] },
    });
    expect(written<RelatedPerson>(event, 'RelatedPerson')[0].identifier?.[0].value).toBe('I-123');
  });

  it('v2.8 transfer: the new location active, the prior (PV1-6) completed', () => {
    const encounter = encounterOf(eventOf('adt_a02_v28_transfer_full_msconverter.hl7'));
    expect(encounter.status).toBe('in-progress');
    expect(encounter.location?.map((l) => [l.location.display, l.status])).toEqual([
      ['HUH AE OMU, OMU B, Bed 03, Homerton UH, Floor5', 'active'],
      ['4 East, room 136, bed B 4E, 136, B', 'completed'],
    ]);
  });

  it('NIST syndromic discharge: no assigning authority, empty names, disposition 09, no discharge time', () => {
    const event = eventOf('adt_a03_v251_nist_syndromic_surveillance_dg1x3_obx_elixirhl7.hl7');
    expect(identity(event.patient)).toBe('Patient urn:liaison:hl7:facility:LakeMichMC:patient|33333');
    expect(patientOf(event).name).toBeUndefined();
    const encounter = encounterOf(event);
    expect(encounter.status).toBe('finished');
    expect(encounter.period).toEqual({ start: '2012-04-01T21:30:00Z' });
    expect(codes(encounter.hospitalization?.dischargeDisposition)).toEqual([
      'http://terminology.hl7.org/CodeSystem/discharge-disposition#oth',
      'http://terminology.hl7.org/CodeSystem/v2-0112#09',
    ]);
    expect(written<Condition>(event, 'Condition').map((c) => c.code?.coding?.[0].code)).toEqual(['0074', '27651', '78791']);
    expect(written<Condition>(event, 'Condition').every((c) => c.verificationStatus?.coding?.[0].code === 'confirmed')).toBe(true);
  });

  it('Italian discharge: discharge time only, identifiers with their periods', () => {
    const event = eventOf('adt_a03_v25_italian_oncology_pr1_hapi.hl7');
    expect(encounterOf(event)).toMatchObject({ status: 'finished', period: { end: '2008-03-03T15:08:00Z' }, class: { code: 'IMP' } });
    expect(patientOf(event).identifier?.map((i) => [i.value, i.period?.end])).toEqual([
      ['5520255', undefined],
      ['ZZZZZZ83M64Z148R', undefined],
      ['ZZZZZZ83M64Z148R', '9999-12-31'],
    ]);
  });

  it('v2.8 discharge: both admission and discharge time', () => {
    expect(encounterOf(eventOf('adt_a03_v28_discharge_minimal_msconverter.hl7')).period).toEqual({
      start: '2015-02-08T11:34:19+01:10',
      end: '2015-02-09T11:34:19+01:10',
    });
  });

  it('registration with repeating phones and two NK1', () => {
    const event = eventOf('adt_a04_v23_bom_nk1x2_repeating_phones_odd_pid_msconverter.hl7');
    expect(patientOf(event)).toMatchObject({
      birthDate: '1985-01-01',
      telecom: [
        { system: 'phone', value: '(555)555-0123', use: 'home' },
        { system: 'phone', value: '(555)555-0124', use: 'home' },
      ],
      address: [{ use: 'home', line: ['123 FAKE STREET', 'MARIO LUIGI BROS PLACE'], city: 'TOADSTOOL KINGDOM' }],
    });
    expect(encounterOf(event).status).toBe('arrived');
    expect(written<RelatedPerson>(event, 'RelatedPerson').map((r) => [r.name?.[0].family, r.identifier?.[0].value])).toEqual([
      ['PEACH', '1'],
      ['TOADSTOOL', '2'],
    ]);
  });

  it('Redox registration without EVN: MSH-7 is the message time, class E is an emergency', () => {
    const event = eventOf('adt_a04_v23_bom_no_evn_redox_msconverter.hl7');
    expect(event.messageTime).toBe('2019-05-04T18:12:05+07:00');
    expect(encounterOf(event).class).toMatchObject({ code: 'EMER' });
    expect(identity(event.encounter)).toBe('Encounter urn:liaison:hl7:facility:RDX:account|123456789');
  });

  it('Epic LF registration: the location is the first repetition of PV1-3; a blank admitting doctor is no participant', () => {
    const encounter = encounterOf(eventOf('adt_a04_v25_epic_lf_repetition_inside_pv1_location_medplum.hl7'));
    expect(encounter.location).toEqual([
      { location: { identifier: { system: 'urn:liaison:hl7:facility:EPICADT:location', value: '168' }, display: '168' }, status: 'active' },
    ]);
    expect(encounter.participant).toHaveLength(1);
  });

  it('pre-admit: planned', () => {
    expect(encounterOf(eventOf('adt_a05_v28_preadmit_full_msconverter.hl7')).status).toBe('planned');
  });

  it.each([
    ['adt_a06_v28_outpatient_to_inpatient_mrg_msconverter.hl7', 'IMP', 'PACCT001'],
    ['adt_a07_v28_inpatient_to_outpatient_mrg_msconverter.hl7', 'AMB', 'PACCT101'],
  ])('class change %s: the new class, found also by the prior account (MRG-3)', (file, classCode, priorAccount) => {
    const event = eventOf(file);
    const write = event.writes.find((w) => w.key === event.encounter)!;
    expect((write.resource as Encounter).class.code).toBe(classCode);
    expect(write.match.map((i) => i.value)).toEqual(['5001', priorAccount]);
  });

  it('A08 without a visit number updates only the patient', () => {
    const event = eventOf('adt_a08_v231_pix_ipf.hl7');
    expect(event.encounter).toBeUndefined();
    expect(patientOf(event)).toMatchObject({ name: [{ family: 'BEST' }], birthDate: '1947-01-01' });
  });

  it('A08 with a visit: the encounter keeps its stored status (set only if it is new)', () => {
    const event = eventOf('adt_a08_v28_update_full_msconverter.hl7');
    const write = event.writes.find((w) => w.key === event.encounter)!;
    expect((write.resource as Encounter).status).toBeUndefined();
    expect(write.createDefaults).toEqual({ status: 'finished' });
  });

  it('A11 cancels the admission', () => {
    expect(encounterOf(eventOf('adt_a11_v28_cancel_admit_sft_db1_obx_msconverter.hl7')).status).toBe('cancelled');
  });

  it('A13 reopens the encounter: discharge time and disposition cleared', () => {
    const event = eventOf('adt_a13_v28_cancel_discharge_pv2_msconverter.hl7');
    const write = event.writes.find((w) => w.key === event.encounter)!;
    expect((write.resource as Encounter).status).toBe('in-progress');
    expect((write.resource as Encounter).period).toEqual({ start: '2015-02-08T11:34:19+01:10' });
    expect((write.resource as Encounter).hospitalization?.dischargeDisposition).toBeUndefined();
    expect(write.nulls).toEqual(['period.end', 'hospitalization.dischargeDisposition']);
  });

  it('A28/A31 write the person, not an encounter', () => {
    expect(eventOf('adt_a28_v28_add_person_minimal_msconverter.hl7').encounter).toBeUndefined();
    const a31 = eventOf('adt_a31_v28_update_person_full_msconverter.hl7');
    expect(a31.encounter).toBeUndefined();
    expect(written<Coverage>(a31, 'Coverage')[0].subscriberId).toBe('PN-145');
  });

  it.each([
    [
      'adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7',
      [['Patient urn:oid:2.16.840.1.113883.3.37.4.1.1.2.1.1|305014', ['urn:liaison:hl7:facility:ENTERPRISE:patient|305010', 'urn:oid:2.16.840.1.113883.3.37.4.1.1.2.611.1|7200117359']]],
    ],
    ['adt_a40_v231_merge_oid_sending_app_cr_ipf.hl7', [['Patient urn:oid:1.2.3.4.5.1000|120-01', ['urn:oid:1.2.3.4.666|120-02']]]],
    ['adt_a40_v23_merge_mrg_mirth.hl7', [['Patient urn:liaison:hl7:facility:SENDING_FACILITY:patient|1765431', ['urn:liaison:hl7:facility:SENDING_FACILITY:patient|1765475']]]],
    [
      'adt_a40_v28_merge_two_pid_mrg_pairs_msconverter.hl7',
      [
        ['Patient urn:liaison:hl7:assigning-authority:BCBS|12345', ['urn:liaison:hl7:assigning-authority:BCBS|56789']],
        ['Patient urn:liaison:hl7:assigning-authority:BCBS|145', ['urn:liaison:hl7:assigning-authority:BCBS|569']],
      ],
    ],
  ])('merge %s: which patient replaces which', (file, merges) => {
    const event = eventOf(file);
    expect(event.merges.map((m) => [identity(m.survivor), m.replaced.map((i) => `${i.system}|${i.value}`)])).toEqual(merges);
  });

  it('the Latin-1 merge keeps the accented receiving application, decoded', () => {
    const [result] = received('adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7');
    expect(result.ack.split('\r')[0]).toContain('|BLÄH|BLÖÖÖH-1|ICW-MPI|ENTERPRISE|');
  });

  it('BAR^P01 with } as subcomponent separator and "" inside components', () => {
    const event = eventOf('bar_p01_v24_brace_escape_char_gt1_in1_dst_zlike_hapi.hl7');
    expect(patientOf(event)).toMatchObject({
      name: [{ family: 'WASHINGTON-HARPER', given: ['VOLA', 'K'] }],
      birthDate: '1954-12-18',
      gender: 'female',
      address: [{ line: ['2146 E HARRIS'], city: 'ST.LOUIS', state: 'MO', postalCode: '63107' }],
    });
    expect(written<Organization>(event, 'Organization')[0].name).toBe('HEALTHLINK, INC');
  });

  it('BAR^P01 with "" everywhere: those elements are cleared, not set to the two-character string', () => {
    const event = eventOf('edge_bar_p01_v24_quoted_nulls_everywhere_hapi.hl7');
    const patient = event.writes.find((w) => w.key === event.patient)!;
    expect(patient.nulls).toEqual(['birthDate', 'address', 'telecom']);
    expect(JSON.stringify(patient.resource)).not.toContain('""');
    expect(patient.resource).toMatchObject({ name: [{ family: 'EMBREY', given: ['ADRIAN'] }], gender: 'male' });
  });

  it('an unused trigger (A24) is understood and has no effect', () => {
    const event = eventOf('edge_adt_a24_v24_caret_field_sep_tilde_component_pipe_repetition_hapi.hl7');
    expect(event).toMatchObject({ action: 'none', writes: [], merges: [] });
    expect(event.domainEvent).toBeUndefined();
  });

  it('a message with three encoding characters: delimiters as declared, data intact', () => {
    const event = eventOf('malformed_adt_a01_v23_missing_repetition_char_vt_trailer_rubyhl7.hl7');
    expect(patientOf(event)).toMatchObject({ name: [{ family: 'John', given: ['Doe'] }], birthDate: '1956-01-29', gender: 'female' });
    expect(event.warnings[0].expression).toEqual(['MSH-2']);
    expect(written<Coverage>(event, 'Coverage')[0].subscriberId).toBe('5475698');
  });

  it('the batch file: three registrations of the same patient, each its own message', () => {
    const results = received('batch_fhs_two_bhs_three_adt_a04_v25_vinah_pythonhl7.hl7');
    expect(results.map((r) => r.event?.source.messageId)).toEqual(['12334456778890', '12334456778891', '12334456778890']);
    expect(new Set(results.map((r) => r.event?.patient)).size).toBe(1);
  });
});

describe('mapAdtMessage options and edges', () => {
  const message = (msh7: string, evn2: string): string =>
    `MSH|^~\\&|APP|FAC|||${msh7}||ADT^A01|C9|P|2.5.1\rEVN|A01|${evn2}\rPID|1||123^^^H^MR\rPV1|1|I|||||||||||||||||V9|||||||||||||||||||||||||20260301080000`;

  it.each([
    ['20260301101500', '20260301101400', 'Z', '2026-03-01T10:14:00Z', '2026-03-01T08:00:00Z'],
    ['20260301101500', '20260301101400', 'America/Chicago', '2026-03-01T10:14:00-06:00', '2026-03-01T08:00:00-06:00'],
    ['20260301101500+0100', '20260301101400', 'America/Chicago', '2026-03-01T10:14:00+01:00', '2026-03-01T08:00:00+01:00'],
    ['20260301101500', '', 'Z', '2026-03-01T10:15:00Z', '2026-03-01T08:00:00Z'],
    ['20260301101500', '20260301101400-0500', '+02:00', '2026-03-01T10:14:00-05:00', '2026-03-01T08:00:00+02:00'],
  ])('MSH-7 %s, EVN-2 %s, zone %s → message time %s', (msh7, evn2, zone, time, admitted) => {
    const event = mapAdtMessage(parseHl7Message(message(msh7, evn2)), { defaultTimeZone: zone });
    expect(event.messageTime).toBe(time);
    expect(encounterOf(event).period?.start).toBe(admitted);
  });

  it('refuses an unknown default time zone', () => {
    expect(() => mapAdtMessage(parseHl7Message(message('20260301', '')), { defaultTimeZone: 'Mars/Base' })).toThrow(RangeError);
  });

  it('clears deceased[x] of the other kind, and both when PID-29/30 are nulled', () => {
    const nulls = (death: string, indicator: string): readonly string[] => {
      const pid = ['PID', '1', '', '123^^^H^MR', ...Array<string>(25).fill(''), death, indicator].join('|');
      return mapAdtMessage(parseHl7Message(`MSH|^~\\&|A|F|||20260301||ADT^A08|1|P|2.5\r${pid}`), { defaultTimeZone: 'Z' }).writes[0].nulls;
    };
    expect(nulls('', 'N')).toEqual(['deceasedDateTime']);
    expect(nulls('20260301', 'Y')).toEqual(['deceasedBoolean']);
    expect(nulls('""', '""')).toEqual(['deceasedDateTime', 'deceasedBoolean']);
    expect(nulls('', '')).toEqual([]);
  });
});
