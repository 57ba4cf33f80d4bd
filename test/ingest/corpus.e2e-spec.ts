import { readdirSync } from 'node:fs';
import type { Bundle, Encounter, Patient, Resource } from '@medplum/fhirtypes';
import { mapAdtMessage } from '@liaison/fhir-mapping';
import { decodeHl7, parseHl7Message, readHl7Header, splitHl7Batch } from '@liaison/hl7';
import { fhirClient, FhirTestClient } from '../fhir/support/fhir-clients';
import { bootTestApp, TestApp } from '../harness/test-app';
import { ackCode, fixtureBytes, frame, HL7_FIXTURES, mllpEnv, mllpPort, RawMllpSocket, sendWithHl7Client } from './support/mllp';

/**
 * Every message of the HL7 v2 corpus (test/fixtures/hl7, copied from ../shared/corpus/hl7v2)
 * through a real MLLP socket: the acknowledgment its MANIFEST expects, as sent on the wire
 * (MSA-1 under the message's acknowledgment mode: CA/CR when the sender asked for a commit
 * acknowledgment only), and, for each message applied, the resources it implies, read back
 * over FHIR REST. Files are sent in name order into one database, so updates (A08) and
 * cancels (A11, A13) find what the admissions before them created.
 */
const EXPECTED: Readonly<Record<string, readonly string[]>> = {
  'adt_a01_v22_sap_ish_german_cr_ipf.hl7': ['AA'],
  'adt_a01_v231_oid_sending_app_cr_ipf.hl7': ['AA'],
  'adt_a01_v231_pix_quoted_null_first_identifier_crlf_ipf.hl7': ['AA'],
  'adt_a01_v23_bom_gt1_dg1_in1_in2_x3_trailing_spaces_msconverter.hl7': ['AA'],
  'adt_a01_v23_minimal_mirth.hl7': ['AA'],
  'adt_a01_v24_epic_style_pd1_rol_con_nk1_pv2_al1_dg1_gt1_in1_in2_znm_zsegment_hl7standard.hl7': ['AA'],
  'adt_a01_v251_bom_nk1_msconverter.hl7': ['AA'],
  'adt_a01_v25_sap_ish_adt_a01_structure_ipf.hl7': ['AA'],
  'adt_a01_v28_full_sft_pd1_rol_db1_obx_al1_dg1_pr1_gt1_in1_in2_msconverter.hl7': ['AA'],
  'adt_a01_v28_minimal_evn_pid_pv1_msconverter.hl7': ['AA'],
  'adt_a02_v28_transfer_full_msconverter.hl7': ['AA'],
  'adt_a03_v251_nist_syndromic_surveillance_dg1x3_obx_elixirhl7.hl7': ['AA'],
  'adt_a03_v25_italian_oncology_pr1_hapi.hl7': ['AA'],
  'adt_a03_v28_discharge_minimal_msconverter.hl7': ['AA'],
  'adt_a04_v23_bom_nk1x2_repeating_phones_odd_pid_msconverter.hl7': ['AA'],
  'adt_a04_v23_bom_no_evn_redox_msconverter.hl7': ['AA'],
  'adt_a04_v23_register_mirth.hl7': ['AA'],
  'adt_a04_v25_epic_lf_repetition_inside_pv1_location_medplum.hl7': ['AA'],
  'adt_a04_v28_register_full_msconverter.hl7': ['AA'],
  'adt_a05_v28_preadmit_full_msconverter.hl7': ['AA'],
  'adt_a06_v28_outpatient_to_inpatient_mrg_msconverter.hl7': ['AA'],
  'adt_a07_v28_inpatient_to_outpatient_mrg_msconverter.hl7': ['AA'],
  'adt_a08_v231_pix_ipf.hl7': ['AA'],
  'adt_a08_v28_update_full_msconverter.hl7': ['AA'],
  'adt_a08_v28_update_minimal_msconverter.hl7': ['AA'],
  'adt_a11_v28_cancel_admit_sft_db1_obx_msconverter.hl7': ['AA'],
  'adt_a13_v28_cancel_discharge_pv2_msconverter.hl7': ['AA'],
  'adt_a28_v28_add_person_minimal_msconverter.hl7': ['AA'],
  'adt_a31_v28_update_person_full_msconverter.hl7': ['AA'],
  'adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7': ['AA'],
  'adt_a40_v231_merge_oid_sending_app_cr_ipf.hl7': ['AA'],
  'adt_a40_v23_merge_mrg_mirth.hl7': ['AA'],
  'adt_a40_v28_merge_two_pid_mrg_pairs_msconverter.hl7': ['AA'],
  'bar_p01_v24_brace_escape_char_gt1_in1_dst_zlike_hapi.hl7': ['AA'],
  // No message in the file: the file is acknowledged as a whole.
  'batch_empty_fhs_bhs_bts_fts_no_messages_rubyhl7.hl7': ['AA'],
  // The third message repeats the first (same control id, same content): the same ACK again.
  'batch_fhs_two_bhs_three_adt_a04_v25_vinah_pythonhl7.hl7': ['AA', 'AA', 'AA'],
  'batch_two_adt_a04_concatenated_no_header_pythonhl7.hl7': ['AA', 'AA'],
  'edge_adt_a24_v24_caret_field_sep_tilde_component_pipe_repetition_hapi.hl7': ['AA'],
  'edge_adt_v21_msh9_without_trigger_event_medplum.hl7': ['AR'],
  'edge_bar_p01_v24_quoted_nulls_everywhere_hapi.hl7': ['AA'],
  // MSH-15 AL, MSH-16 NE: the sender asked for a commit acknowledgment only.
  'edge_orm_o01_v24_whitespace_padded_fields_mirth.hl7': ['CR'],
  'malformed_adt_a01_v231_missing_pid_ipf.hl7': ['AE'],
  'malformed_adt_a01_v23_missing_repetition_char_vt_trailer_rubyhl7.hl7': ['CA'],
  'malformed_batch_nested_bhs_inside_message_pythonhl7.hl7': ['AR'],
  'malformed_oru_r01_v23_space_as_escape_char_hl7standard.hl7': ['AR'],
  'malformed_som_eom_text_markers_mirth.txt': ['AR'],
};

const FILES = Object.keys(EXPECTED).sort();
const LATIN1 = 'adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7';

/** The messages of a file as the service reads them (the pure pipeline: our oracle for "what it implies"). */
function messagesOf(file: string): string[] {
  const decoded = decodeHl7(fixtureBytes(file), { fallbackCharset: 'latin1' });
  return [...splitHl7Batch(decoded.text).messages];
}

/** Files a single message of which @medplum/core can parse: sent with Hl7Client. The rest (batches, framing junk) raw. */
function viaHl7Client(file: string): string | undefined {
  try {
    const messages = messagesOf(file);
    if (messages.length !== 1) return undefined;
    const text = fixtureBytes(file).toString(file === LATIN1 ? 'latin1' : 'utf8').replace(/^\uFEFF/, '');
    return text.startsWith('MSH') ? text : undefined;
  } catch {
    return undefined;
  }
}

async function sendRaw(port: number, bytes: Buffer, replies: number): Promise<string[]> {
  const socket = await RawMllpSocket.open(port);
  try {
    await socket.write(frame(bytes));
    return await socket.waitForReplies(replies);
  } finally {
    socket.close();
  }
}

describe('HL7 v2 corpus over MLLP (Hl7Client from @medplum/hl7)', () => {
  let service: TestApp;
  let fhir: FhirTestClient;
  beforeAll(async () => {
    service = await bootTestApp(await mllpEnv());
    fhir = await fhirClient(service, { scopes: ['system/*.rs'] });
  });
  afterAll(async () => service?.close());

  async function search<T extends Resource>(path: string): Promise<T[]> {
    const response = await fhir.http(path);
    expect(response.status).toBe(200);
    return (((await response.json()) as Bundle).entry ?? []).map((e) => e.resource as T);
  }

  it('covers every file of the corpus', () => {
    expect(FILES).toEqual(readdirSync(HL7_FIXTURES).filter((f) => /\.(hl7|txt)$/.test(f)).sort());
  });

  it.each(FILES)('%s', async (file) => {
    const expected = EXPECTED[file];
    const port = mllpPort(service);
    const [{ since }] = await service.sql('SELECT clock_timestamp() AS since');
    const text = viaHl7Client(file);
    const acks = text
      ? [(await sendWithHl7Client(port, text, file === LATIN1 ? 'latin1' : 'utf-8')).toString()]
      : await sendRaw(port, fixtureBytes(file), expected.length);
    expect(acks.map(ackCode)).toEqual(expected);

    const messages = (() => {
      try {
        return messagesOf(file);
      } catch {
        return [];
      }
    })();
    for (const [index, ack] of acks.entries()) {
      const message = messages[index];
      if (!message) continue;
      // MSA-2 echoes the message's MSH-10 (in the message's own delimiters).
      const header = readHl7Header(message);
      const msa = ack.split('\r').find((s) => s.startsWith('MSA')) ?? '';
      expect(msa.split(msa[3])[2]).toBe(header?.controlId);
      if (!['AA', 'CA'].includes(expected[index])) continue;

      // The resources the message implies are there, found by the identifiers it names.
      const event = mapAdtMessage(parseHl7Message(message), { defaultTimeZone: 'America/New_York' });
      for (const write of event.writes) {
        const identifier = write.match[0];
        if (!identifier?.system || !identifier.value) continue;
        const token = `${identifier.system}|${identifier.value}`.replace(/,/g, '\\,');
        const found = await search(`/${write.resource.resourceType}?identifier=${encodeURIComponent(token)}`);
        if (write.resource.resourceType === 'Patient' && event.action === 'merge') {
          // A merged patient is found by its identifier only while it is the survivor.
          continue;
        }
        expect(found.map((r) => r.resourceType)).toEqual([write.resource.resourceType]);
      }
    }

    // Every version a message wrote carries the message as its meta.source, and can be read back.
    const rows = await service.sql(`SELECT effects FROM ingest_messages WHERE received_at >= $1`, [since]);
    for (const row of rows) {
      for (const effect of row.effects as string[]) {
        const response = await fhir.http(`/${effect}`);
        expect(response.status).toBe(200);
        const resource = (await response.json()) as Resource;
        expect(resource.meta?.source).toMatch(/^urn:liaison:hl7:/);
      }
    }
  });

  it('applied what the corpus messages say (spot checks read over FHIR)', async () => {
    // NIST A03: a discharge with disposition 09, PV1-45 empty.
    const [nist] = await search<Encounter>(`/Encounter?identifier=${encodeURIComponent('urn:liaison:hl7:facility:LakeMichMC:visit|33333_001')}`);
    expect(nist.status).toBe('finished');
    expect(nist.hospitalization?.dischargeDisposition?.coding?.map((c) => c.code)).toContain('09');
    expect(nist.period?.end).toBeUndefined();

    // BAR P01 with "" everywhere: the stored birth date is cleared, not the string '""'.
    const [bar] = await search<Patient>(`/Patient?identifier=${encodeURIComponent('urn:liaison:hl7:facility:ADT1:patient|479305172')}`);
    expect(bar).toBeDefined();
    expect(bar.birthDate).toBeUndefined();
    expect(JSON.stringify(bar)).not.toContain('""');

    // Missing PID: answered AE, stored with its outcome, nothing written.
    const [missingPid] = await service.sql(`SELECT status, reply_code, effects, reply FROM ingest_messages WHERE sender = 'KHK' AND control_id = '123456'`);
    expect(missingPid).toMatchObject({ status: 'error', reply_code: 'AE', effects: [] });
    expect(missingPid.reply).toContain('ERR|');

    // Mirth A40: the survivor took MRG-1 (1765475); a later message naming it finds the survivor.
    const survivors = await search<Patient>(`/Patient?identifier=${encodeURIComponent('urn:liaison:hl7:facility:SENDING_FACILITY:patient|1765475')}`);
    expect(survivors.map((p) => p.identifier?.map((i) => i.value))).toEqual([expect.arrayContaining(['1765431', '1765475'])]);
  });
});

describe('HL7 v2 corpus over MLLP, byte for byte (raw socket)', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp(await mllpEnv());
  });
  afterAll(async () => service?.close());

  it.each(FILES)('%s', async (file) => {
    const bytes = fixtureBytes(file);
    const acks = await sendRaw(mllpPort(service), bytes, EXPECTED[file].length);
    expect(acks.map(ackCode)).toEqual(EXPECTED[file]);
  });

  it('stores a single message exactly as received (a BOM, LF endings and trailing spaces kept)', async () => {
    const file = 'adt_a01_v23_bom_gt1_dg1_in1_in2_x3_trailing_spaces_msconverter.hl7';
    const [row] = await service.sql(`SELECT raw FROM ingest_messages WHERE sender = 'ABC' OR control_id = $1`, [
      parseHl7Message(messagesOf(file)[0]).header.controlId,
    ]);
    expect(Buffer.compare(row.raw as Buffer, fixtureBytes(file))).toBe(0);
  });

  it('answers a Latin-1 message in Latin-1: its MSH-5/6 come back as the ACK MSH-3/4, byte for byte', async () => {
    const [row] = await service.sql(`SELECT reply FROM ingest_messages WHERE control_id LIKE '_mpi_1dd16f73%'`);
    expect(row.reply as string).toMatch(/^MSH\|\^~\\&\|BL\u00c4H\|BL\u00d6\u00d6\u00d6H-1\|/);
  });
});
