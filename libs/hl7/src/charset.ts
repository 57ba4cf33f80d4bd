import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { hl7Error, Hl7ErrorCode, hl7Warning } from './hl7-errors';

/**
 * Bytes to text, honouring the character set a message declares in MSH-18 (HL7 table 0211).
 *
 * - A UTF-8 byte-order mark means UTF-8 (and is dropped); UTF-16 marks mean UTF-16.
 * - A declared character set is decoded strictly: bytes that are not valid in it are an `AR`.
 * - No declaration (or `ASCII`, which real feeds send with anything in it): UTF-8 when the bytes
 *   are valid UTF-8; otherwise the configured fallback (Latin-1 for most Western feeds), with a
 *   warning, so nothing is decoded into mojibake silently. Without a fallback such bytes are an `AR`.
 */
export interface Hl7DecodeOptions {
  /** Character set for undeclared non-UTF-8 bytes (a WHATWG encoding label, e.g. `latin1`); none rejects them. */
  readonly fallbackCharset?: string;
}

export interface DecodedHl7 {
  readonly text: string;
  /** The WHATWG encoding used, e.g. `utf-8` or `windows-1252`; encode the ACK with {@link encodeHl7}. */
  readonly charset: string;
  /** MSH-18 as written, if present. */
  readonly declaredCharset?: string;
  readonly warnings: readonly OperationOutcomeIssue[];
}

/** HL7 table 0211 names (and common spellings) to WHATWG encoding labels. `ascii` is handled as undeclared. */
const HL7_CHARSETS: Readonly<Record<string, string>> = {
  ASCII: 'ascii',
  'ISO IR6': 'ascii',
  'US-ASCII': 'ascii',
  '8859/1': 'iso-8859-1',
  '8859/2': 'iso-8859-2',
  '8859/3': 'iso-8859-3',
  '8859/4': 'iso-8859-4',
  '8859/5': 'iso-8859-5',
  '8859/6': 'iso-8859-6',
  '8859/7': 'iso-8859-7',
  '8859/8': 'iso-8859-8',
  '8859/9': 'iso-8859-9',
  '8859/15': 'iso-8859-15',
  'ISO IR100': 'iso-8859-1',
  'ISO IR101': 'iso-8859-2',
  'ISO IR144': 'iso-8859-5',
  'ISO IR127': 'iso-8859-6',
  'ISO IR126': 'iso-8859-7',
  'ISO IR138': 'iso-8859-8',
  'ISO IR148': 'iso-8859-9',
  'ISO IR192': 'utf-8',
  'ISO IR87': 'iso-2022-jp',
  'ISO IR13': 'shift_jis',
  'ISO IR14': 'shift_jis',
  UNICODE: 'utf-8',
  'UNICODE UTF-8': 'utf-8',
  'UTF-8': 'utf-8',
  'UNICODE UTF-16': 'utf-16le',
  'GB 18030-2000': 'gb18030',
  'KS X 1001': 'euc-kr',
  'BIG-5': 'big5',
};

const UTF8_BOM = [0xef, 0xbb, 0xbf];

export function decodeHl7(bytes: Uint8Array, options: Hl7DecodeOptions = {}): DecodedHl7 {
  if (startsWith(bytes, UTF8_BOM)) {
    return { ...strictDecode(bytes.subarray(3), 'utf-8', 'UTF-8 (byte-order mark)'), warnings: [] };
  }
  if (startsWith(bytes, [0xff, 0xfe])) return { ...strictDecode(bytes.subarray(2), 'utf-16le', 'UTF-16'), warnings: [] };
  if (startsWith(bytes, [0xfe, 0xff])) return { ...strictDecode(bytes.subarray(2), 'utf-16be', 'UTF-16'), warnings: [] };

  const declared = declaredCharset(bytes);
  const label = declared === undefined ? 'ascii' : labelFor(declared);
  if (label !== 'ascii') {
    return { ...strictDecode(bytes, label, 'MSH-18'), declaredCharset: declared, warnings: [] };
  }
  const utf8 = tryDecode(bytes, 'utf-8');
  if (utf8 !== undefined) return { text: utf8, charset: 'utf-8', ...(declared && { declaredCharset: declared }), warnings: [] };
  if (!options.fallbackCharset) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.dataType,
      code: 'structure',
      expression: 'MSH-18',
      text: 'The message holds bytes that are not UTF-8 and MSH-18 does not name its character set',
    });
  }
  const decoded = strictDecode(bytes, options.fallbackCharset, 'the configured fallback');
  return {
    ...decoded,
    ...(declared && { declaredCharset: declared }),
    warnings: [
      hl7Warning(`Bytes that are not UTF-8 and no MSH-18 character set: read as ${decoded.charset}`, 'MSH-18'),
    ],
  };
}

function labelFor(declared: string): string {
  const known = HL7_CHARSETS[declared.trim().toUpperCase()];
  if (known) return known;
  try {
    return new TextDecoder(declared.trim()).encoding;
  } catch {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.tableValueNotFound,
      code: 'not-supported',
      expression: 'MSH-18',
      text: 'MSH-18 names a character set this receiver does not know',
    });
  }
}

function strictDecode(bytes: Uint8Array, label: string, source: string): { text: string; charset: string } {
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(label, { fatal: true });
  } catch {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.tableValueNotFound,
      code: 'not-supported',
      expression: 'MSH-18',
      text: `The character set of ${source} is not supported`,
    });
  }
  try {
    return { text: decoder.decode(bytes), charset: decoder.encoding };
  } catch {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.dataType,
      code: 'structure',
      expression: 'MSH-18',
      text: `The message holds bytes that are not valid in the character set of ${source}`,
    });
  }
}

function tryDecode(bytes: Uint8Array, label: string): string | undefined {
  try {
    return new TextDecoder(label, { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function startsWith(bytes: Uint8Array, prefix: readonly number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

/**
 * MSH-18 read from the raw bytes (all delimiters and MSH fields before it are ASCII in every
 * charset HL7 allows in MSH-18 except UTF-16, which comes with a byte-order mark). Leading
 * whitespace and framing bytes are skipped; the first repetition's first component is taken.
 */
export function declaredCharset(bytes: Uint8Array): string | undefined {
  let start = 0;
  while (start < bytes.length && (bytes[start] <= 0x20 || bytes[start] === 0x7f)) start++;
  // An HL7 file or batch: MSH-18 of the first message.
  let msh = indexOfAscii(bytes, 'MSH', start);
  while (msh > start && bytes[msh - 1] !== 0x0d && bytes[msh - 1] !== 0x0a) msh = indexOfAscii(bytes, 'MSH', msh + 3);
  if (msh === -1 || msh + 8 > bytes.length) return undefined;
  const field = bytes[msh + 3];
  const component = bytes[msh + 4];
  const repetition = bytes[msh + 5];
  let fieldNumber = 2;
  let value = '';
  for (let i = msh + 4; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === 0x0d || b === 0x0a) break;
    if (b === field) {
      if (fieldNumber === 18) break;
      fieldNumber++;
      continue;
    }
    if (fieldNumber === 18) {
      if (b === component || b === repetition) break;
      value += String.fromCharCode(b);
    }
  }
  const trimmed = value.trim();
  return trimmed ? trimmed : undefined;
}

function indexOfAscii(bytes: Uint8Array, text: string, from: number): number {
  outer: for (let i = from; i <= bytes.length - text.length; i++) {
    for (let j = 0; j < text.length; j++) if (bytes[i + j] !== text.charCodeAt(j)) continue outer;
    return i;
  }
  return -1;
}

/**
 * Text to bytes in the character set a message came in (the `charset` of {@link decodeHl7}),
 * so an ACK reads back the way its message did. Single-byte Latin sets write characters they
 * lack as `?`; other sets are written as UTF-8 (an ACK's own text is ASCII).
 */
export function encodeHl7(text: string, charset: string): Uint8Array {
  if (charset === 'windows-1252' || charset === 'iso-8859-1' || charset === 'latin1' || charset === 'ascii') {
    const bytes = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      bytes[i] = code <= 0xff ? code : 0x3f;
    }
    return bytes;
  }
  return new TextEncoder().encode(text);
}
