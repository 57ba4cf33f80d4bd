import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperationOutcomeError } from '@medplum/core';
import { splitHl7Batch } from './batch';
import { decodeHl7 } from './charset';
import { readDelimiters } from './delimiters';
import { checkHl7Header, parseHl7Message, readHl7Header } from './message';
import { fieldOf, fieldValue, isNullField, repetitionsOf } from './values';

const text = (name: string): string =>
  decodeHl7(readFileSync(join(__dirname, '../../../test/fixtures/hl7', name)), { fallbackCharset: 'latin1' }).text;

interface Failure {
  readonly ack?: string;
  readonly hl7Code?: string;
  readonly expression?: string;
}

function failureOf(run: () => unknown): Failure {
  try {
    run();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    const issue = error.outcome.issue[0];
    const code = (system: string): string | undefined => issue.details?.coding?.find((c) => c.system === system)?.code;
    return {
      ack: code('http://terminology.hl7.org/CodeSystem/v2-0008'),
      hl7Code: code('http://terminology.hl7.org/CodeSystem/v2-0357'),
      expression: issue.expression?.[0],
    };
  }
  throw new Error('expected an error');
}

/**
 * Every corpus file through decode → split → parse → header check: how many messages it holds,
 * their segment counts, the delimiters read, or the error (ACK code, HL7 code, location).
 */
describe('corpus: split, parse and header check', () => {
  const RULES = { messageTypes: ['ADT', 'BAR'] };
  type Expected = { segments: number[]; field?: string; encoding?: string; warnings?: number } | { error: Failure; stage: 'split' | 'message' };
  const corpus: [string, Expected][] = [
    ['adt_a01_v22_sap_ish_german_cr_ipf.hl7', { segments: [5] }],
    ['adt_a01_v231_oid_sending_app_cr_ipf.hl7', { segments: [4] }],
    ['adt_a01_v231_pix_quoted_null_first_identifier_crlf_ipf.hl7', { segments: [4] }],
    ['adt_a01_v23_bom_gt1_dg1_in1_in2_x3_trailing_spaces_msconverter.hl7', { segments: [12] }],
    ['adt_a01_v23_minimal_mirth.hl7', { segments: [4] }],
    ['adt_a01_v24_epic_style_pd1_rol_con_nk1_pv2_al1_dg1_gt1_in1_in2_znm_zsegment_hl7standard.hl7', { segments: [22] }],
    ['adt_a01_v251_bom_nk1_msconverter.hl7', { segments: [5] }],
    ['adt_a01_v25_sap_ish_adt_a01_structure_ipf.hl7', { segments: [5] }],
    ['adt_a01_v28_full_sft_pd1_rol_db1_obx_al1_dg1_pr1_gt1_in1_in2_msconverter.hl7', { segments: [24] }],
    ['adt_a01_v28_minimal_evn_pid_pv1_msconverter.hl7', { segments: [4] }],
    ['adt_a02_v28_transfer_full_msconverter.hl7', { segments: [14] }],
    ['adt_a03_v251_nist_syndromic_surveillance_dg1x3_obx_elixirhl7.hl7', { segments: [10] }],
    ['adt_a03_v25_italian_oncology_pr1_hapi.hl7', { segments: [5] }],
    ['adt_a03_v28_discharge_minimal_msconverter.hl7', { segments: [4] }],
    ['adt_a04_v23_bom_nk1x2_repeating_phones_odd_pid_msconverter.hl7', { segments: [8] }],
    ['adt_a04_v23_bom_no_evn_redox_msconverter.hl7', { segments: [4] }],
    ['adt_a04_v23_register_mirth.hl7', { segments: [4] }],
    ['adt_a04_v25_epic_lf_repetition_inside_pv1_location_medplum.hl7', { segments: [4] }],
    ['adt_a04_v28_register_full_msconverter.hl7', { segments: [24] }],
    ['adt_a05_v28_preadmit_full_msconverter.hl7', { segments: [23] }],
    ['adt_a06_v28_outpatient_to_inpatient_mrg_msconverter.hl7', { segments: [5] }],
    ['adt_a07_v28_inpatient_to_outpatient_mrg_msconverter.hl7', { segments: [5] }],
    ['adt_a08_v231_pix_ipf.hl7', { segments: [4] }],
    ['adt_a08_v28_update_full_msconverter.hl7', { segments: [24] }],
    ['adt_a08_v28_update_minimal_msconverter.hl7', { segments: [4] }],
    ['adt_a11_v28_cancel_admit_sft_db1_obx_msconverter.hl7', { segments: [9] }],
    ['adt_a13_v28_cancel_discharge_pv2_msconverter.hl7', { segments: [5] }],
    ['adt_a28_v28_add_person_minimal_msconverter.hl7', { segments: [4] }],
    ['adt_a31_v28_update_person_full_msconverter.hl7', { segments: [23] }],
    ['adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7', { segments: [5] }],
    ['adt_a40_v231_merge_oid_sending_app_cr_ipf.hl7', { segments: [5] }],
    ['adt_a40_v23_merge_mrg_mirth.hl7', { segments: [4] }],
    ['adt_a40_v28_merge_two_pid_mrg_pairs_msconverter.hl7', { segments: [6] }],
    ['bar_p01_v24_brace_escape_char_gt1_in1_dst_zlike_hapi.hl7', { segments: [8], encoding: '^~\\}' }],
    ['batch_empty_fhs_bhs_bts_fts_no_messages_rubyhl7.hl7', { segments: [] }],
    ['batch_fhs_two_bhs_three_adt_a04_v25_vinah_pythonhl7.hl7', { segments: [6, 6, 6] }],
    ['batch_two_adt_a04_concatenated_no_header_pythonhl7.hl7', { segments: [6, 6] }],
    ['edge_adt_a24_v24_caret_field_sep_tilde_component_pipe_repetition_hapi.hl7', { segments: [4], field: '^', encoding: '~|\\&' }],
    ['edge_adt_v21_msh9_without_trigger_event_medplum.hl7', { stage: 'message', error: { ack: 'AR', hl7Code: '201', expression: 'MSH-9.2' } }],
    ['edge_bar_p01_v24_quoted_nulls_everywhere_hapi.hl7', { segments: [5], encoding: '^~\\}' }],
    ['edge_orm_o01_v24_whitespace_padded_fields_mirth.hl7', { stage: 'message', error: { ack: 'AR', hl7Code: '200', expression: 'MSH-9.1' } }],
    ['malformed_adt_a01_v231_missing_pid_ipf.hl7', { segments: [3] }],
    ['malformed_adt_a01_v23_missing_repetition_char_vt_trailer_rubyhl7.hl7', { segments: [9], encoding: '^\\&', warnings: 1 }],
    ['malformed_batch_nested_bhs_inside_message_pythonhl7.hl7', { stage: 'split', error: { ack: 'AR', hl7Code: '100', expression: 'BHS[2]' } }],
    ['malformed_oru_r01_v23_space_as_escape_char_hl7standard.hl7', { stage: 'message', error: { ack: 'AR', hl7Code: '102', expression: 'MSH-2' } }],
    ['malformed_som_eom_text_markers_mirth.txt', { stage: 'split', error: { ack: 'AR', hl7Code: '100', expression: 'MSH' } }],
  ];

  it.each(corpus)('%s', (file, expected) => {
    const run = (): number[] =>
      splitHl7Batch(text(file)).messages.map((message) => {
        const parsed = parseHl7Message(message);
        checkHl7Header(parsed, RULES);
        if ('segments' in expected) {
          expect(parsed.delimiters.field).toBe(expected.field ?? '|');
          expect(parsed.delimiters.encodingCharacters).toBe(expected.encoding ?? '^~\\&');
          expect(parsed.warnings).toHaveLength(expected.warnings ?? 0);
        }
        return parsed.message.segments.length;
      });
    if ('error' in expected) {
      if (expected.stage === 'message') expect(() => splitHl7Batch(text(file))).not.toThrow();
      expect(failureOf(run)).toEqual(expected.error);
    } else {
      expect(run()).toEqual(expected.segments);
    }
  });

  it('covers every file of the corpus', () => {
    const files = readdirSync(join(__dirname, '../../../test/fixtures/hl7')).filter((f) => /\.(hl7|txt)$/.test(f));
    expect(corpus.map(([file]) => file).sort()).toEqual(files.sort());
  });
});

describe('what normalisation keeps and drops', () => {
  it('does not start a message at a field whose value is "MSH"', () => {
    const parsed = parseHl7Message(text('adt_a04_v23_bom_nk1x2_repeating_phones_odd_pid_msconverter.hl7'));
    expect(fieldValue(parsed.message.getSegment('PID')!, 17)).toBe('MSH');
    expect(parsed.message.getAllSegments('NK1')).toHaveLength(2);
  });

  it('drops the stray VT and blank lines after the last segment (no phantom segment or message)', () => {
    const batch = splitHl7Batch(text('malformed_adt_a01_v23_missing_repetition_char_vt_trailer_rubyhl7.hl7'));
    expect(batch.messages).toHaveLength(1);
    const parsed = parseHl7Message(batch.messages[0]);
    expect(parsed.message.segments.map((s) => s.name)).toEqual(['MSH', 'EVN', 'PID', 'PV1', 'AL1', 'AL1', 'AL1', 'IN1', 'STF']);
    expect(parsed.delimiters).toMatchObject({ component: '^', repetition: undefined, escape: '\\', subcomponent: '&' });
    // Without a repetition separator, "~" would be data; the escape and subcomponent characters keep their roles.
    expect(fieldOf(parsed.message.getSegment('PID')!, 5).value(2)).toBe('Doe');
  });

  it('keeps whitespace inside fields and components, trims it at the end of a segment', () => {
    const orm = parseHl7Message(text('edge_orm_o01_v24_whitespace_padded_fields_mirth.hl7'));
    const pid = orm.message.getSegment('PID')!;
    expect(fieldValue(pid, 1)).toBe('1 ');
    expect(fieldValue(pid, 2)).toBe('  4223161584');
    expect(fieldOf(pid, 5).value(3)).toBe(' ');
    const duck = parseHl7Message(text('adt_a01_v23_bom_gt1_dg1_in1_in2_x3_trailing_spaces_msconverter.hl7'));
    expect(duck.text.split('\r').every((segment) => !segment.endsWith(' '))).toBe(true);
    expect(fieldOf(duck.message.getSegment('DG1')!, 3).value(2)).toBe('OSTEOARTHROS NOS-L/LEG ');
  });

  it('reads "" as the explicit null, distinct from an empty field', () => {
    const pid = parseHl7Message(text('edge_bar_p01_v24_quoted_nulls_everywhere_hapi.hl7')).message.getSegment('PID')!;
    expect(fieldValue(pid, 7)).toBeNull();
    expect(isNullField(pid, 7)).toBe(true);
    expect(isNullField(pid, 11)).toBe(true);
    expect(isNullField(pid, 13)).toBe(true);
    expect(fieldValue(pid, 6)).toBeUndefined();
    expect(isNullField(pid, 6)).toBe(false);
    expect(isNullField(pid, 5)).toBe(false);
  });

  it('reads the explicit null inside a repetition, and the repetitions after it', () => {
    const pid = parseHl7Message(text('adt_a01_v231_pix_quoted_null_first_identifier_crlf_ipf.hl7')).message.getSegment('PID')!;
    const ids = repetitionsOf(pid, 3);
    expect(ids.map((r) => r.value(1))).toEqual([null, '306563', '30753']);
    expect(ids[1].sub(4).value(2)).toBe('2.16.840.1.113883.3.37.4.1.1.2.1.1');
  });

  it('reads a message whose field separator is ^, component ~ and repetition |', () => {
    const parsed = parseHl7Message(text('edge_adt_a24_v24_caret_field_sep_tilde_component_pipe_repetition_hapi.hl7'));
    expect(parsed.header.messageType).toEqual({ code: 'ADT', trigger: 'A24' });
    expect(parsed.header.controlId).toBe('2003582144');
    const [first, second] = parsed.message.getAllSegments('PID');
    expect(fieldOf(first, 3).value(1)).toBe('11111');
    expect(fieldOf(first, 3).sub(4).value(3)).toBe('0363');
    expect(repetitionsOf(first, 3)).toHaveLength(1);
    expect(fieldOf(first, 3).value(5)).toBe('NI');
    expect(fieldOf(first, 3).sub(6).value(1)).toBe('FACILITY ID');
    expect(fieldOf(second, 3).value(1)).toBe('22222');
    expect(fieldOf(first, 5).value(2)).toBe('JOHN');
  });

  it('reads } as the subcomponent separator when MSH-2 says so', () => {
    const parsed = parseHl7Message('MSH|^~\\}|A|B|||19930502||BAR^P01|1|P|2.4\rPID|||X^^^AUTH}1.2.3}ISO');
    expect(fieldOf(parsed.message.getSegment('PID')!, 3).sub(4).value(2)).toBe('1.2.3');
  });
});

describe('parseHl7Message rejects what is not a message', () => {
  it.each([
    ['junk before MSH', '[SOM]MSH|^~\\&|A', { ack: 'AR', hl7Code: '100', expression: 'MSH' }],
    ['a letter as field separator', 'MSHX^~\\&XA', { ack: 'AR', hl7Code: '102', expression: 'MSH-1' }],
    ['a space in MSH-2', 'MSH|^~ &|A', { ack: 'AR', hl7Code: '102', expression: 'MSH-2' }],
    ['a repeated encoding character', 'MSH|^^\\&|A', { ack: 'AR', hl7Code: '102', expression: 'MSH-2' }],
    ['no encoding characters', 'MSH||A', { ack: 'AR', hl7Code: '101', expression: 'MSH-2' }],
    ['a line that is no segment', 'MSH|^~\\&|A\rPID|1\rthis is text', { ack: 'AR', hl7Code: '100', expression: undefined }],
    ['a second MSH', 'MSH|^~\\&|A\rPID|1\rMSH|^~\\&|B', { ack: 'AR', hl7Code: '100', expression: 'MSH[2]' }],
    ['a batch header inside', 'MSH|^~\\&|A\rBHS|^~\\&', { ack: 'AR', hl7Code: '100', expression: 'BHS' }],
  ])('%s', (_name, message, expected) => {
    expect(failureOf(() => parseHl7Message(message))).toEqual(expected);
  });
});

describe('checkHl7Header', () => {
  const RULES = { messageTypes: ['ADT'] };
  it.each([
    ['no control id', 'MSH|^~\\&|A|B|||20260101||ADT^A01||P|2.5', { ack: 'AR', hl7Code: '101', expression: 'MSH-10' }],
    ['no version', 'MSH|^~\\&|A|B|||20260101||ADT^A01|1|P|', { ack: 'AR', hl7Code: '101', expression: 'MSH-12' }],
    ['a version that is not 2.x', 'MSH|^~\\&|A|B|||20260101||ADT^A01|1|P|3.0', { ack: 'AR', hl7Code: '203', expression: 'MSH-12' }],
    ['no message type', 'MSH|^~\\&|A|B|||20260101|||1|P|2.5', { ack: 'AR', hl7Code: '101', expression: 'MSH-9' }],
    ['an ACK sent to us', 'MSH|^~\\&|A|B|||20260101||ACK^A01|1|P|2.5', { ack: 'AR', hl7Code: '200', expression: 'MSH-9.1' }],
  ])('rejects %s', (_name, message, expected) => {
    expect(failureOf(() => checkHl7Header(parseHl7Message(message), RULES))).toEqual(expected);
  });

  it('takes the trigger from EVN-1 when MSH-9 has none (v2.1)', () => {
    const parsed = parseHl7Message('MSH|^~\\&|A|B|||19880818||ADT|1|P|2.1\rEVN|A03|198808181123');
    expect(checkHl7Header(parsed, RULES)).toEqual({ code: 'ADT', trigger: 'A03', version: '2.1', controlId: '1' });
  });

  it('routes on MSH-9.2, not on a disagreeing EVN-1', () => {
    const parsed = parseHl7Message(text('adt_a08_v28_update_minimal_msconverter.hl7'));
    expect(fieldValue(parsed.message.getSegment('EVN')!, 1)).toBe('A01');
    expect(checkHl7Header(parsed, RULES)).toMatchObject({ trigger: 'A08', structure: 'ADT_A08', version: '2.8', controlId: 'MSG00001' });
  });
});

describe('readHl7Header (lenient, for answering broken messages)', () => {
  it.each([
    ['the [SOM] text-marker file', 'malformed_som_eom_text_markers_mirth.txt', { controlId: '603266', sendingFacility: '1', version: '2.3.1' }],
    ['MSH-2 with a space', 'malformed_oru_r01_v23_space_as_escape_char_hl7standard.hl7', { controlId: '201103290820062979', receivingFacility: 'HHIC' }],
    ['an OID-only sending application', 'adt_a40_v231_merge_oid_sending_app_cr_ipf.hl7', { sendingApplication: '1.2.840.114350.1.13.99998.8734', sendingFacility: 'unknown', processingId: 'P' }],
    ['the SAP IS-H accept-ack-type', 'adt_a01_v22_sap_ish_german_cr_ipf.hl7', { acceptAckType: 'ER', processingId: 'T', version: '2.2' }],
  ])('%s', (_name, file, expected) => {
    expect(readHl7Header(text(file))).toMatchObject(expected);
  });

  it('finds nothing in text with no MSH', () => {
    expect(readHl7Header('hello\rworld')).toBeUndefined();
  });
});

describe('splitHl7Batch', () => {
  it('splits an HL7 file into its batches and messages, trailers agreeing', () => {
    const batch = splitHl7Batch(text('batch_fhs_two_bhs_three_adt_a04_v25_vinah_pythonhl7.hl7'));
    expect(batch.fileHeader?.startsWith('FHS|')).toBe(true);
    expect(batch.groups.map((g) => [g.messages.length, g.declaredCount])).toEqual([
      [2, 2],
      [1, 1],
    ]);
    expect(batch.messages.map((m) => readHl7Header(m)?.controlId)).toEqual(['12334456778890', '12334456778891', '12334456778890']);
    expect(batch.warnings).toEqual([]);
  });

  it('processes zero messages of an empty batch and warns that BTS-1 disagrees', () => {
    const batch = splitHl7Batch(text('batch_empty_fhs_bhs_bts_fts_no_messages_rubyhl7.hl7'));
    expect(batch.messages).toEqual([]);
    expect(batch.warnings.map((w) => w.expression?.[0])).toEqual(['BTS-1']);
  });

  it('splits messages sent back to back without a header, with a warning', () => {
    const batch = splitHl7Batch(text('batch_two_adt_a04_concatenated_no_header_pythonhl7.hl7'));
    expect(batch.messages.map((m) => readHl7Header(m)?.controlId)).toEqual(['12334456778890', '12334456778891']);
    expect(batch.warnings).toHaveLength(1);
  });

  it.each([
    ['a segment before any MSH', 'PID|1\rMSH|^~\\&|A', { ack: 'AR', hl7Code: '100', expression: 'PID' }],
    ['FHS after a message', 'MSH|^~\\&|A\rFHS|^~\\&', { ack: 'AR', hl7Code: '100', expression: 'FHS' }],
    ['BTS without BHS', 'MSH|^~\\&|A\rBTS|1', { ack: 'AR', hl7Code: '100', expression: 'BTS' }],
    ['a segment after FTS', 'FHS|^~\\&\rFTS|0\rMSH|^~\\&|A', { ack: 'AR', hl7Code: '100', expression: 'MSH' }],
  ])('rejects %s', (_name, input, expected) => {
    expect(failureOf(() => splitHl7Batch(input))).toEqual(expected);
  });

  it('warns about missing trailers and a wrong FTS count', () => {
    expect(splitHl7Batch('FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A').warnings.map((w) => w.expression?.[0])).toEqual(['FHS', 'BHS']);
    expect(splitHl7Batch('FHS|^~\\&\rBHS|^~\\&\rMSH|^~\\&|A\rBTS|1\rFTS|3').warnings.map((w) => w.expression?.[0])).toEqual(['FTS-1']);
  });
});

describe('readDelimiters', () => {
  it.each([
    ['MSH|^~\\&|', { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: undefined }],
    ['MSH|^~\\&#|', { field: '|', component: '^', repetition: '~', escape: '\\', subcomponent: '&', truncation: '#' }],
    ['MSH|^\\&|', { field: '|', component: '^', repetition: undefined, escape: '\\', subcomponent: '&' }],
    ['MSH|^~|', { field: '|', component: '^', repetition: '~', escape: undefined, subcomponent: undefined }],
    ['MSH|*+-|', { field: '|', component: '*', repetition: '+', escape: '-', subcomponent: undefined }],
  ])('%s', (segment, expected) => {
    expect(readDelimiters(segment).delimiters).toMatchObject(expected);
  });
});
