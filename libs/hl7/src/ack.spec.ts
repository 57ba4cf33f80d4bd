import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { badRequest, Hl7Message, OperationOutcomeError } from '@medplum/core';
import { ackErrorOf, ackVerdictFor, buildAck, chooseAckCode, compareVersions, type ProcessingOutcome } from './ack';
import { decodeHl7 } from './charset';
import { hl7Error, Hl7ErrorCode, hl7Warning } from './hl7-errors';
import { readHl7Header, type Hl7Header } from './message';

const header = (message: string): Hl7Header => readHl7Header(message)!;
const fixtureHeader = (name: string): Hl7Header =>
  header(decodeHl7(readFileSync(join(__dirname, '../../../test/fixtures/hl7', name)), { fallbackCharset: 'latin1' }).text);
const NOW = new Date('2026-03-01T12:00:00Z');

describe('buildAck', () => {
  it('swaps sender and receiver, echoes MSH-10 in MSA-2, and names the trigger in MSH-9 (v2.5.1)', () => {
    const ack = buildAck(header('MSH|^~\\&|EPIC|HOSP|LIAISON|CARE|20260301115959||ADT^A01^ADT_A01|MSG-1|P|2.5.1'), {
      code: 'AA',
      controlId: 'ACK-1',
      now: NOW,
    });
    expect(ack).toBe('MSH|^~\\&|LIAISON|CARE|EPIC|HOSP|20260301120000+0000||ACK^A01^ACK|ACK-1|P|2.5.1\rMSA|AA|MSG-1');
  });

  it('writes ERR-2 (location), ERR-3 (code), ERR-4 (severity) and ERR-8 (text) from v2.5, one ERR per error', () => {
    const ack = buildAck(header('MSH|^~\\&|A|B|C|D|20260301||ADT^A01|42|T|2.8'), {
      code: 'AE',
      controlId: 'X',
      now: NOW,
      utcOffsetMinutes: 60,
      errors: [
        { location: { segment: 'PID', field: 7 }, hl7Code: Hl7ErrorCode.dataType, severity: 'E', text: 'PID-7 is not a date' },
        { location: { segment: 'PID', sequence: 2, field: 3, repetition: 2, component: 4, subcomponent: 2 }, hl7Code: Hl7ErrorCode.requiredFieldMissing, severity: 'W' },
        { hl7Code: Hl7ErrorCode.internalError, severity: 'E', text: 'a|b' },
      ],
    });
    expect(ack.split('\r')).toEqual([
      'MSH|^~\\&|C|D|A|B|20260301130000+0100||ACK^A01^ACK|X|T|2.8',
      'MSA|AE|42',
      'ERR||PID^1^7^1|102^Data type error^HL70357|E||||PID-7 is not a date',
      'ERR||PID^2^3^2^4^2|101^Required field missing^HL70357|W',
      'ERR|||207^Application internal error^HL70357|E||||a\\F\\b',
    ]);
  });

  it('before v2.5: MSA-3 carries the text and one ERR-1 repeats location and code (ELD)', () => {
    const ack = buildAck(header('MSH|^~\\&|SAP-ISH|KHK|BLA|PXS|20080411112302||ADT^A01|123456|P|2.3.1|||ER'), {
      code: 'AE',
      controlId: 'Y',
      now: NOW,
      errors: [
        { location: { segment: 'PID' }, hl7Code: Hl7ErrorCode.segmentSequence, severity: 'E', text: 'ADT^A01 requires a PID segment' },
        { location: { segment: 'PV1', field: 44 }, hl7Code: Hl7ErrorCode.dataType, severity: 'E' },
      ],
    });
    expect(ack.split('\r')).toEqual([
      'MSH|^~\\&|BLA|PXS|SAP-ISH|KHK|20260301120000+0000||ACK^A01^ACK|Y|P|2.3.1',
      'MSA|AE|123456|ADT\\S\\A01 requires a PID segment',
      'ERR|PID^1^^100&Segment sequence error&HL70357~PV1^1^44^102&Data type error&HL70357',
    ]);
  });

  it('uses MSH-9 ACK^<trigger> before v2.3.1 and a bare ACK without a trigger', () => {
    expect(buildAck(fixtureHeader('adt_a01_v22_sap_ish_german_cr_ipf.hl7'), { code: 'AA', controlId: 'Z', now: NOW })).toBe(
      'MSH|^~\\&|||SAP-ISH|HZL|20260301120000+0000||ACK^A01|Z|T|2.2\rMSA|AA|123456|Message accepted',
    );
    expect(buildAck(fixtureHeader('edge_adt_v21_msh9_without_trigger_event_medplum.hl7'), { code: 'AR', controlId: 'Z', now: NOW })).toBe(
      'MSH|^~\\&|LABADT|MCM|ADT1|MCM|20260301120000+0000||ACK|Z|P|2.1\rMSA|AR|MSG00001|Message rejected',
    );
  });

  it("answers in the sender's delimiters: ^ as field separator, ~ as component", () => {
    const ack = buildAck(fixtureHeader('edge_adt_a24_v24_caret_field_sep_tilde_component_pipe_repetition_hapi.hl7'), {
      code: 'AR',
      controlId: 'Q',
      now: NOW,
      errors: [{ location: { segment: 'MSH', field: 9, component: 1 }, hl7Code: Hl7ErrorCode.unsupportedMessageType, severity: 'E' }],
    });
    expect(ack.split('\r')).toEqual([
      'MSH^~|\\&^RECEIVING^200^SENDING^200M^20260301120000+0000^^ACK~A24~ACK^Q^T^2.4',
      'MSA^AR^2003582144^Message rejected',
      'ERR^MSH~1~9~200&Unsupported message type&HL70357',
    ]);
    const reparsed = Hl7Message.parse(ack);
    expect(reparsed.getSegment('MSA')?.getField(2).toString()).toBe('2003582144');
    expect(reparsed.getAckType()).toBe('AR');
  });

  it('echoes the character set (MSH-18) and an OID sending application as written', () => {
    const ack = buildAck(header('MSH|^~\\&|1.2.3^1.2.3^ISO|F|R|RF|20260301||ADT^A08|9|P|2.5||||||8859/1'), { code: 'AA', controlId: 'C', now: NOW });
    expect(ack.split('\r')[0]).toBe('MSH|^~\\&|R|RF|1.2.3^1.2.3^ISO|F|20260301120000+0000||ACK^A08^ACK|C|P|2.5||||||8859/1');
  });

  it('answers a message without any MSH with standard delimiters and an empty MSA-2', () => {
    expect(buildAck(undefined, { code: 'AR', controlId: 'N', now: NOW })).toBe('MSH|^~\\&|||||20260301120000+0000||ACK|N|P|2.5.1\rMSA|AR|');
  });

  it('is read back by @medplum/core as the ACK of the message', () => {
    const incoming = header('MSH|^~\\&|EPIC|HOSP|LIAISON|CARE|20260301115959||ADT^A03^ADT_A03|MSG-7|P|2.5.1');
    const ack = Hl7Message.parse(buildAck(incoming, { code: 'CA', controlId: 'ACK-7', now: NOW }));
    expect(ack.getAckType()).toBe('CA');
    expect(ack.header.getField(9).toString()).toBe('ACK^A03^ACK');
    expect(ack.header.getComponent(3, 1)).toBe('LIAISON');
  });
});

describe('chooseAckCode (original and enhanced acknowledgment modes)', () => {
  const withModes = (accept: string, application: string): Hl7Header =>
    header(`MSH|^~\\&|A|B|C|D|20260301||ADT^A01|1|P|2.5|||${accept}|${application}`);
  const applied: ProcessingOutcome = { application: 'AA', committed: true };
  const notApplied: ProcessingOutcome = { application: 'AE', committed: true };
  const rejected: ProcessingOutcome = { application: 'AR', committed: true };
  const notStored: ProcessingOutcome = { application: 'AE', committed: false };

  it.each([
    // MSH-15, MSH-16, outcome, ACK sent
    ['', '', applied, 'AA'],
    ['', '', notApplied, 'AE'],
    ['', '', rejected, 'AR'],
    ['AL', 'AL', applied, 'AA'],
    ['AL', 'NE', applied, 'CA'],
    ['AL', 'NE', notApplied, 'CA'],
    ['AL', 'NE', rejected, 'CR'],
    ['AL', 'NE', notStored, 'CE'],
    ['AL', 'ER', applied, 'CA'],
    ['AL', 'ER', notApplied, 'AE'],
    ['ER', '', applied, 'AA'],
    ['ER', '', notApplied, 'AE'],
    ['ER', 'NE', rejected, 'CR'],
    ['NE', 'NE', applied, 'AA'],
    ['NE', 'AL', notApplied, 'AE'],
    ['SU', 'NE', applied, 'CA'],
    ['SU', 'NE', notApplied, 'CA'],
    ['NE', 'SU', applied, 'AA'],
  ])('MSH-15 %s, MSH-16 %s, %j → %s', (accept, application, outcome, expected) => {
    expect(chooseAckCode(withModes(accept, application), outcome)).toBe(expected);
  });

  it('uses the original mode when there is no header at all', () => {
    expect(chooseAckCode(undefined, rejected)).toBe('AR');
  });
});

describe('ackVerdictFor', () => {
  it('takes the ACK code and HL7 error code an HL7 error declares', () => {
    const error = hl7Error({ ack: 'AE', hl7Code: Hl7ErrorCode.dataType, code: 'value', expression: 'PID[2]-7', text: 'PID-7 is not a date' });
    expect(ackVerdictFor(error)).toEqual({
      code: 'AE',
      errors: [{ location: { segment: 'PID', sequence: 2, field: 7 }, hl7Code: '102', severity: 'E', text: 'PID-7 is not a date' }],
    });
  });

  it.each([
    ['structure', 'MSH-2', 'AR', '102'],
    ['not-supported', 'MSH-9', 'AR', '200'],
    ['forbidden', 'MSH-4', 'AR', '207'],
    ['required', 'PID', 'AE', '100'],
    ['required', 'PID-3', 'AE', '101'],
    ['invalid', 'Patient.birthDate', 'AE', '102'],
    ['code-invalid', 'PV1-2', 'AE', '103'],
    ['not-found', 'MRG-1', 'AE', '204'],
    ['duplicate', 'MSH-10', 'AE', '205'],
    ['conflict', 'PID-3', 'AE', '206'],
  ] as const)('derives %s at %s → %s %s', (code, expression, ack, hl7Code) => {
    const error = new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code, details: { text: 'why' }, expression: [expression] }],
    });
    const verdict = ackVerdictFor(error);
    expect(verdict.code).toBe(ack);
    expect(verdict.errors[0].hl7Code).toBe(hl7Code);
  });

  it('keeps a FHIRPath expression out of ERR-2 (it names no segment)', () => {
    expect(ackVerdictFor(new OperationOutcomeError(badRequest('bad', 'Patient.birthDate'))).errors[0].location).toBeUndefined();
  });

  it('turns anything else into an internal error, without its message', () => {
    expect(ackVerdictFor(new Error('connection refused at 10.0.0.1'))).toEqual({
      code: 'AE',
      errors: [{ hl7Code: '207', severity: 'E', text: 'Internal error' }],
    });
  });

  it('rejects (AR) when any issue is a reject', () => {
    const error = new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [
        { severity: 'error', code: 'value', expression: ['PID-7'] },
        { severity: 'error', code: 'structure', expression: ['MSH-2'] },
      ],
    });
    expect(ackVerdictFor(error).code).toBe('AR');
  });
});

describe('ackErrorOf', () => {
  it('makes a warning a W row', () => {
    expect(ackErrorOf(hl7Warning('MSH-2 has 3 encoding characters', 'MSH-2'))).toEqual({
      location: { segment: 'MSH', field: 2 },
      hl7Code: '207',
      severity: 'W',
      text: 'MSH-2 has 3 encoding characters',
    });
  });
});

describe('compareVersions', () => {
  it.each([
    ['2.3.1', '2.3.1', 0],
    ['2.3', '2.3.1', -1],
    ['2.4', '2.3.1', 1],
    ['2.5', '2.5.1', -1],
    ['2.8', '2.5', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});
