import { Hl7Message } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { hl7ContextOf, readDelimiters, readDelimitersLeniently, type Hl7Delimiters } from './delimiters';
import { hl7Error, Hl7ErrorCode } from './hl7-errors';
import { BATCH_SEGMENTS, segmentIdOf, splitSegments } from './segments';
import { fieldValue, Hl7Composite } from './values';

export interface Hl7MessageType {
  /** MSH-9.1: `ADT`. */
  readonly code?: string;
  /** MSH-9.2: `A01`. */
  readonly trigger?: string;
  /** MSH-9.3: `ADT_A01`. */
  readonly structure?: string;
}

/** What an ACK needs from a message header, read even from a message too broken to parse. */
export interface Hl7Header {
  readonly delimiters: Hl7Delimiters;
  /** MSH fields as written (still escaped), by HL7 number: `fields[9]` is MSH-9; `fields[1]` and `[2]` are MSH-1 and MSH-2. */
  readonly fields: readonly string[];
  /** MSH-3.1 (else MSH-3.2, the universal id). */
  readonly sendingApplication?: string;
  /** MSH-4.1 (else MSH-4.2): the facility that maps to a tenant. */
  readonly sendingFacility?: string;
  readonly receivingApplication?: string;
  readonly receivingFacility?: string;
  /** MSH-7.1 as written. */
  readonly timestamp?: string;
  readonly messageType: Hl7MessageType;
  /** MSH-10. */
  readonly controlId?: string;
  /** MSH-11.1: P, T or D. */
  readonly processingId?: string;
  /** MSH-12.1: `2.5.1`. */
  readonly version?: string;
  /** MSH-15, accept (commit) acknowledgment type: AL, NE, ER, SU. */
  readonly acceptAckType?: string;
  /** MSH-16, application acknowledgment type: AL, NE, ER, SU. */
  readonly applicationAckType?: string;
  /** MSH-18.1. */
  readonly characterSet?: string;
}

export interface ParsedHl7Message {
  /** The message, for @medplum/core's accessors (`getSegment`, `getAllSegments`, …). */
  readonly message: Hl7Message;
  readonly header: Hl7Header;
  readonly delimiters: Hl7Delimiters;
  /** The normalised message text: its segments joined with CR. */
  readonly text: string;
  /** What was tolerated (odd encoding characters, …). */
  readonly warnings: readonly OperationOutcomeIssue[];
}

/**
 * Reads the MSH of the first message in `text` without ever throwing: delimiters as declared
 * where they can be, standard ones otherwise. `undefined` when there is no MSH at all.
 */
export function readHl7Header(text: string): Hl7Header | undefined {
  const segments = splitSegments(text);
  let msh = segments.find((segment) => segment.startsWith('MSH'));
  if (msh === undefined && segments.length > 0) {
    // Junk before MSH on the first line ("[SOM]MSH|…"): still answer with the sender's control id.
    const at = segments[0].search(/MSH[^\p{L}\p{N}\s]/u);
    if (at > 0) msh = segments[0].slice(at);
  }
  return msh === undefined ? undefined : headerOf(msh, readDelimitersLeniently(msh));
}

function headerOf(msh: string, delimiters: Hl7Delimiters): Hl7Header {
  const split = msh.split(delimiters.field);
  const fields = ['MSH', delimiters.field, ...split.slice(1)];
  const composite = (n: number): Hl7Composite => {
    const raw = fields[n] ?? '';
    const firstRepetition = delimiters.repetition ? raw.split(delimiters.repetition)[0] : raw;
    return new Hl7Composite(firstRepetition.split(delimiters.component), delimiters);
  };
  const text = (n: number, component = 1): string | undefined => composite(n).text(component)?.trim() || undefined;
  const hd = (n: number): string | undefined => text(n, 1) ?? text(n, 2);
  return compact({
    delimiters,
    fields,
    sendingApplication: hd(3),
    sendingFacility: hd(4),
    receivingApplication: hd(5),
    receivingFacility: hd(6),
    timestamp: text(7),
    messageType: compact({ code: text(9, 1), trigger: text(9, 2), structure: text(9, 3) }),
    controlId: text(10),
    processingId: text(11),
    version: text(12),
    acceptAckType: text(15)?.toUpperCase(),
    applicationAckType: text(16)?.toUpperCase(),
    characterSet: text(18),
  });
}

/**
 * Parses one message (after {@link splitHl7Batch} when the text may hold several): normalises
 * it, reads its delimiters from MSH-1/MSH-2, checks that every segment has a segment id, and
 * builds @medplum/core's `Hl7Message` with those delimiters. Malformed text is an `AR` error
 * naming what is wrong. Header contents (message type, version, …) are checked by
 * {@link checkHl7Header}.
 */
export function parseHl7Message(text: string): ParsedHl7Message {
  const segments = splitSegments(text);
  const first = segments[0];
  if (!first?.startsWith('MSH')) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.segmentSequence,
      code: 'structure',
      expression: 'MSH',
      text: 'The message does not start with an MSH segment',
    });
  }
  const { delimiters, warnings } = readDelimiters(first);
  const seen = new Map<string, number>();
  segments.forEach((segment, index) => {
    const id = segmentIdOf(segment, delimiters.field);
    if (!id) {
      throw hl7Error({
        ack: 'AR',
        hl7Code: Hl7ErrorCode.segmentSequence,
        code: 'structure',
        text: `Segment ${index + 1} does not start with a segment id followed by the field separator`,
      });
    }
    const sequence = (seen.get(id) ?? 0) + 1;
    seen.set(id, sequence);
    if (BATCH_SEGMENTS.has(id) || (id === 'MSH' && index > 0)) {
      throw hl7Error({
        ack: 'AR',
        hl7Code: Hl7ErrorCode.segmentSequence,
        code: 'structure',
        expression: sequence > 1 ? `${id}[${sequence}]` : id,
        text: id === 'MSH' ? 'A second MSH: several messages must be split as a batch' : `${id} inside a message`,
      });
    }
  });
  const normalised = segments.join('\r');
  return {
    message: new Hl7Message(segments, hl7ContextOf(delimiters)),
    header: headerOf(first, delimiters),
    delimiters,
    text: normalised,
    warnings,
  };
}

export interface Hl7HeaderRules {
  /** MSH-9.1 values this receiver takes (`ADT`); any other is an `AR` (unsupported message type). */
  readonly messageTypes: readonly string[];
}

/** A message's kind, once its header has been checked. */
export interface Hl7MessageKind {
  readonly code: string;
  /** MSH-9.2, or EVN-1 for senders (v2.1) that put the trigger event only there. */
  readonly trigger: string;
  readonly structure?: string;
  readonly version: string;
  readonly controlId: string;
}

const VERSION = /^2\.[1-9](\.\d+)?$/;

/**
 * Checks what routing and acknowledging need: MSH-9 (a supported message type, and a trigger
 * event), MSH-10 (a control id) and MSH-12 (a v2.x version). Each failure is an `AR` naming the
 * field, with the HL7 error code an interface engine expects (200, 201, 203, 101).
 */
export function checkHl7Header(parsed: ParsedHl7Message, rules: Hl7HeaderRules): Hl7MessageKind {
  const { header } = parsed;
  const code = header.messageType.code?.toUpperCase();
  if (!code) {
    throw hl7Error({ ack: 'AR', hl7Code: Hl7ErrorCode.requiredFieldMissing, code: 'required', expression: 'MSH-9', text: 'MSH-9 (message type) is empty' });
  }
  if (!rules.messageTypes.includes(code)) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.unsupportedMessageType,
      code: 'not-supported',
      expression: 'MSH-9.1',
      text: `Message type ${code} is not supported; this receiver takes ${rules.messageTypes.join(', ')}`,
    });
  }
  if (!header.controlId) {
    throw hl7Error({ ack: 'AR', hl7Code: Hl7ErrorCode.requiredFieldMissing, code: 'required', expression: 'MSH-10', text: 'MSH-10 (message control id) is empty' });
  }
  if (!header.version) {
    throw hl7Error({ ack: 'AR', hl7Code: Hl7ErrorCode.requiredFieldMissing, code: 'required', expression: 'MSH-12', text: 'MSH-12 (version id) is empty' });
  }
  if (!VERSION.test(header.version)) {
    throw hl7Error({ ack: 'AR', hl7Code: Hl7ErrorCode.unsupportedVersionId, code: 'not-supported', expression: 'MSH-12', text: 'MSH-12 is not an HL7 v2.x version' });
  }
  const evn = parsed.message.getSegment('EVN');
  const trigger = (header.messageType.trigger ?? (evn && fieldValue(evn, 1)) ?? undefined)?.trim().toUpperCase();
  if (!trigger) {
    throw hl7Error({
      ack: 'AR',
      hl7Code: Hl7ErrorCode.unsupportedEventCode,
      code: 'required',
      expression: 'MSH-9.2',
      text: 'No trigger event: MSH-9.2 is empty and there is no EVN-1',
    });
  }
  return compact({
    code,
    trigger,
    structure: header.messageType.structure,
    version: header.version,
    controlId: header.controlId,
  });
}

function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
