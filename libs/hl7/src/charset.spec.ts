import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OperationOutcomeError } from '@medplum/core';
import { declaredCharset, decodeHl7, encodeHl7 } from './charset';
import { readHl7Header } from './message';

const fixture = (name: string): Uint8Array => readFileSync(join(__dirname, '../../../test/fixtures/hl7', name));
const latin1 = (text: string): Uint8Array => Uint8Array.from([...text].map((c) => c.charCodeAt(0)));
const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
const msh = (msh18: string, body: string): string => `MSH|^~\\&|APP|FAC|||20260101||ADT^A08|1|P|2.5||||||${msh18}\rPID|1||1||${body}`;

function errorOf(run: () => unknown): { expression?: string; ack?: string } {
  try {
    run();
  } catch (error) {
    if (!(error instanceof OperationOutcomeError)) throw error;
    const issue = error.outcome.issue[0];
    return { expression: issue.expression?.[0], ack: issue.details?.coding?.find((c) => c.code === 'AR' || c.code === 'AE')?.code };
  }
  throw new Error('expected an error');
}

describe('decodeHl7', () => {
  it('reads the ISO-8859-1 A40 (no MSH-18) as Latin-1 with a warning when a fallback is configured', () => {
    const decoded = decodeHl7(fixture('adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7'), { fallbackCharset: 'latin1' });
    expect(decoded.charset).toBe('windows-1252');
    expect(readHl7Header(decoded.text)?.receivingApplication).toBe('BLÄH');
    expect(readHl7Header(decoded.text)?.receivingFacility).toBe('BLÖÖÖH-1');
    expect(decoded.warnings).toHaveLength(1);
    expect(decoded.warnings[0].expression).toEqual(['MSH-18']);
  });

  it('rejects the same bytes cleanly (AR at MSH-18) without a fallback: never mojibake', () => {
    expect(errorOf(() => decodeHl7(fixture('adt_a40_v231_merge_iso8859_1_latin1_bytes_ipf.hl7')))).toEqual({ expression: 'MSH-18', ack: 'AR' });
  });

  it('drops a UTF-8 byte-order mark', () => {
    const decoded = decodeHl7(fixture('adt_a01_v251_bom_nk1_msconverter.hl7'));
    expect(decoded.text.startsWith('MSH|^~\\&|ADT1|')).toBe(true);
    expect(decoded.charset).toBe('utf-8');
  });

  it.each([
    ['8859/1', latin1(msh('8859/1', 'Müller^Jürgen')), 'Müller^Jürgen', 'windows-1252'],
    ['UNICODE UTF-8', utf8(msh('UNICODE UTF-8', 'Müller^Jürgen')), 'Müller^Jürgen', 'utf-8'],
    ['ASCII, but UTF-8 bytes', utf8(msh('ASCII', 'Müller')), 'Müller', 'utf-8'],
    ['8859/2 (Central European)', Uint8Array.from([...latin1(msh('8859/2', 'Dvo')), 0xf8, ...latin1('ák')]), 'Dvořák', 'iso-8859-2'],
    ['8859/1 repeated with a second charset', latin1(msh('8859/1~ISO IR87', 'Müller')), 'Müller', 'windows-1252'],
  ])('honours MSH-18 %s', (_name, bytes, name, charset) => {
    const decoded = decodeHl7(bytes);
    expect(decoded.text).toContain(name);
    expect(decoded.charset).toBe(charset);
    expect(decoded.warnings).toEqual([]);
  });

  it('rejects bytes that are not valid in the declared character set', () => {
    expect(errorOf(() => decodeHl7(latin1(msh('UNICODE UTF-8', 'Müller'))))).toEqual({ expression: 'MSH-18', ack: 'AR' });
  });

  it('rejects a character set it does not know', () => {
    expect(errorOf(() => decodeHl7(utf8(msh('KLINGON', 'x'))))).toEqual({ expression: 'MSH-18', ack: 'AR' });
  });
});

describe('declaredCharset', () => {
  it.each([
    ['the first message of a batch', utf8(`FHS|^~\\&\rBHS|^~\\&\r${msh('8859/1', 'x')}`), '8859/1'],
    ['after leading whitespace and a VT', utf8(`\u000b\r\n${msh('UNICODE UTF-8', 'x')}`), 'UNICODE UTF-8'],
    ['none when MSH-18 is empty', utf8(msh('', 'x')), undefined],
    ['none when MSH stops before field 18', utf8('MSH|^~\\&|A|B|||20260101||ADT^A01|1|P|2.5\rPID|1'), undefined],
    ['a v2.8 header with MSH-19 set and MSH-18 empty', fixture('adt_a01_v28_minimal_evn_pid_pv1_msconverter.hl7'), undefined],
    ['the vinah batch', fixture('batch_fhs_two_bhs_three_adt_a04_v25_vinah_pythonhl7.hl7'), 'ASCII'],
  ])('%s', (_name, bytes, expected) => {
    expect(declaredCharset(bytes)).toBe(expected);
  });
});

describe('encodeHl7', () => {
  it('writes Latin-1 text one byte per character, and UTF-8 as UTF-8', () => {
    expect([...encodeHl7('Ä|€', 'windows-1252')]).toEqual([0xc4, 0x7c, 0x3f]);
    expect([...encodeHl7('Ä', 'utf-8')]).toEqual([0xc3, 0x84]);
  });
});
