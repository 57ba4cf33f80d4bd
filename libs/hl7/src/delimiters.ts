import { Hl7Context } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { hl7Error, Hl7ErrorCode, hl7Warning } from './hl7-errors';

/**
 * The delimiters a message declares in MSH-1 and MSH-2 (or FHS/BHS-1 and -2). A role the
 * sender left out (`MSH|^\&|` has no repetition separator) is `undefined`: that character is
 * then plain data.
 */
export interface Hl7Delimiters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string | undefined;
  readonly escape: string | undefined;
  readonly subcomponent: string | undefined;
  /** v2.7+ truncation character, the optional fifth character of MSH-2. */
  readonly truncation: string | undefined;
  /** MSH-2 exactly as written; an ACK echoes it so the sender reads its answer with its own delimiters. */
  readonly encodingCharacters: string;
}

export const STANDARD_ENCODING_CHARACTERS = '^~\\&';

export const STANDARD_DELIMITERS: Hl7Delimiters = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
  truncation: undefined,
  encodingCharacters: STANDARD_ENCODING_CHARACTERS,
};

/** Stands in, for @medplum/core's parser, for a delimiter the message does not have: it never occurs in text. */
const ABSENT = '\u0000';

const FORBIDDEN_DELIMITER = /[\p{L}\p{N}\s\u0000-\u001f]/u;

export interface DelimiterReading {
  readonly delimiters: Hl7Delimiters;
  readonly warnings: readonly OperationOutcomeIssue[];
}

/**
 * Reads the delimiters from a header segment's text (`MSH|^~\&|…`). Throws an `AR` error at
 * MSH-1/MSH-2 when they cannot be delimiters: letters, digits, whitespace (`MSH|^~ &|` would
 * make every space an escape character), control characters, or the same character twice.
 * Fewer than four encoding characters are tolerated with a warning: when what is there reads
 * as the standard `^~\&` with some left out (`^\&`), each keeps its standard role; otherwise
 * they are taken in the standard order.
 */
export function readDelimiters(headerSegment: string): DelimiterReading {
  const name = headerSegment.slice(0, 3);
  const field = headerSegment.charAt(3);
  if (!field || FORBIDDEN_DELIMITER.test(field)) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: field ? Hl7ErrorCode.dataType : Hl7ErrorCode.requiredFieldMissing,
      code: 'structure',
      expression: `${name}-1`,
      text: `${name}-1 must be the field separator, a punctuation character`,
    });
  }
  const end = headerSegment.indexOf(field, 4);
  const encoding = headerSegment.slice(4, end === -1 ? undefined : end);
  const location = `${name}-2`;
  if (encoding.length < 2 || encoding.length > 5) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: encoding.length === 0 ? Hl7ErrorCode.requiredFieldMissing : Hl7ErrorCode.dataType,
      code: 'structure',
      expression: location,
      text: `${location} must hold 2 to 5 encoding characters (component, repetition, escape, subcomponent separators)`,
    });
  }
  const chars = [...encoding];
  if (chars.some((c) => FORBIDDEN_DELIMITER.test(c))) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.dataType,
      code: 'structure',
      expression: location,
      text: `${location} encoding characters must be punctuation, not letters, digits, whitespace or control characters`,
    });
  }
  if (new Set([field, ...chars]).size !== chars.length + 1) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.dataType,
      code: 'structure',
      expression: location,
      text: `${location} encoding characters and the field separator must all differ`,
    });
  }
  const warnings: OperationOutcomeIssue[] = [];
  let roles: (string | undefined)[];
  if (chars.length >= 4) {
    roles = chars.slice(0, 4);
  } else {
    roles = isSubsequenceOfStandard(chars)
      ? [...STANDARD_ENCODING_CHARACTERS].map((c) => (chars.includes(c) ? c : undefined))
      : [chars[0], chars[1], chars[2], chars[3]];
    const missing = ['component', 'repetition', 'escape', 'subcomponent'].filter((_, i) => roles[i] === undefined);
    warnings.push(hl7Warning(`${location} has ${chars.length} encoding characters; no ${missing.join(' or ')} separator`, location));
  }
  return {
    delimiters: {
      field,
      component: roles[0] as string,
      repetition: roles[1],
      escape: roles[2],
      subcomponent: roles[3],
      truncation: chars[4],
      encodingCharacters: encoding,
    },
    warnings,
  };
}

function isSubsequenceOfStandard(chars: readonly string[]): boolean {
  let at = 0;
  for (const c of chars) {
    at = STANDARD_ENCODING_CHARACTERS.indexOf(c, at);
    if (at === -1) return false;
    at += 1;
  }
  return true;
}

/**
 * Like {@link readDelimiters} but never throws: whatever can be read, the standard characters
 * for the rest. Used to answer a message that is too broken to parse.
 */
export function readDelimitersLeniently(headerSegment: string): Hl7Delimiters {
  try {
    return readDelimiters(headerSegment).delimiters;
  } catch {
    const field = headerSegment.charAt(3) || '|';
    const end = headerSegment.indexOf(field, 4);
    const encoding = headerSegment.slice(4, end === -1 ? undefined : end).slice(0, 5);
    // A character that cannot be a delimiter (`MSH|^~ &|`) plays no role: nothing is split or escaped with it.
    const pick = (i: number): string | undefined => {
      const c = encoding.charAt(i);
      if (!c) return STANDARD_ENCODING_CHARACTERS.charAt(i);
      return c === field || FORBIDDEN_DELIMITER.test(c) ? undefined : c;
    };
    return {
      field,
      component: pick(0) ?? '^',
      repetition: pick(1),
      escape: pick(2),
      subcomponent: pick(3),
      truncation: undefined,
      encodingCharacters: encoding.length >= 2 ? encoding : STANDARD_ENCODING_CHARACTERS,
    };
  }
}

/** A @medplum/core parsing context that remembers the exact delimiters it was made from. */
class DelimitedContext extends Hl7Context {
  constructor(readonly delimiters: Hl7Delimiters) {
    super(
      '\r',
      delimiters.field,
      delimiters.component,
      delimiters.repetition ?? ABSENT,
      delimiters.escape ?? ABSENT,
      delimiters.subcomponent ?? ABSENT,
    );
  }
}

/** The parsing context @medplum/core's `Hl7Message` needs for these delimiters. */
export function hl7ContextOf(delimiters: Hl7Delimiters): Hl7Context {
  return new DelimitedContext(delimiters);
}

/** The delimiters behind a @medplum/core parsing context (the inverse of {@link hl7ContextOf}). */
export function delimitersOfContext(context: Hl7Context): Hl7Delimiters {
  if (context instanceof DelimitedContext) return context.delimiters;
  const present = (c: string): string | undefined => (c === ABSENT ? undefined : c);
  return {
    field: context.fieldSeparator,
    component: context.componentSeparator,
    repetition: present(context.repetitionSeparator),
    escape: present(context.escapeCharacter),
    subcomponent: present(context.subcomponentSeparator),
    truncation: undefined,
    encodingCharacters: context.getMsh2(),
  };
}
