import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The one error currency (STYLE.md principle 6) spoken in HL7 v2 terms. An error raised while
 * reading a message is an `OperationOutcomeError` whose issue says, in `details.coding`, which
 * acknowledgment it deserves (HL7 table 0008: `AE` or `AR`) and which HL7 error code goes in
 * `ERR-3` (table 0357), and in `expression` where it is (`PID-7`, `MSH-9.2`, `PID[2]-3[1].4`).
 */

export const HL7_ERROR_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0357';
export const HL7_ACK_CODE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v2-0008';

/** HL7 table 0357, message error condition codes. */
export const Hl7ErrorCode = {
  segmentSequence: '100',
  requiredFieldMissing: '101',
  dataType: '102',
  tableValueNotFound: '103',
  unsupportedMessageType: '200',
  unsupportedEventCode: '201',
  unsupportedProcessingId: '202',
  unsupportedVersionId: '203',
  unknownKey: '204',
  duplicateKey: '205',
  recordLocked: '206',
  internalError: '207',
} as const;
export type Hl7ErrorCode = (typeof Hl7ErrorCode)[keyof typeof Hl7ErrorCode];

export const HL7_ERROR_TEXT: Readonly<Record<Hl7ErrorCode, string>> = {
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '202': 'Unsupported processing id',
  '203': 'Unsupported version id',
  '204': 'Unknown key identifier',
  '205': 'Duplicate key identifier',
  '206': 'Application record locked',
  '207': 'Application internal error',
};

/** `AE`: understood but cannot be applied. `AR`: malformed, or a type/version we do not take. */
export type Hl7RejectionCode = 'AE' | 'AR';

export interface Hl7IssueInit {
  readonly ack: Hl7RejectionCode;
  readonly hl7Code: Hl7ErrorCode;
  /** FHIR issue type: `structure`, `required`, `value`, `code-invalid`, `not-supported`, … */
  readonly code: OperationOutcomeIssue['code'];
  /** Where: `MSH-2`, `PID-7`, `PID`, `MRG-1`. Omit when no segment can be named. */
  readonly expression?: string;
  /** Why, for the sender's interface engineer. Never quote field values (they may be PHI). */
  readonly text: string;
}

export function hl7Issue(init: Hl7IssueInit): OperationOutcomeIssue {
  return {
    severity: 'error',
    code: init.code,
    details: {
      coding: [
        { system: HL7_ERROR_CODE_SYSTEM, code: init.hl7Code, display: HL7_ERROR_TEXT[init.hl7Code] },
        { system: HL7_ACK_CODE_SYSTEM, code: init.ack },
      ],
      text: init.text,
    },
    ...(init.expression && { expression: [init.expression] }),
  };
}

export function hl7Outcome(...issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** The error to throw when a message cannot be taken as it is. */
export function hl7Error(init: Hl7IssueInit): OperationOutcomeError {
  return new OperationOutcomeError(hl7Outcome(hl7Issue(init)));
}

/** Something tolerated in a message that its sender may want to know about (ACKed as `ERR` severity W). */
export function hl7Warning(text: string, expression?: string): OperationOutcomeIssue {
  return {
    severity: 'warning',
    code: 'informational',
    details: { text },
    ...(expression && { expression: [expression] }),
  };
}

/**
 * A position in a message: `SEG[sequence]-field[repetition].component.subcomponent`, all
 * 1-based, the bracketed parts optional (`PID-7`, `PID[2]-3`, `PID-3[2].4.2`). The segment
 * sequence counts segments of the same id (the second PID is `PID[2]`), as ERR-2 does.
 */
export interface Hl7Location {
  readonly segment: string;
  readonly sequence?: number;
  readonly field?: number;
  readonly repetition?: number;
  readonly component?: number;
  readonly subcomponent?: number;
}

const LOCATION = /^([A-Z][A-Z0-9]{2})(?:\[(\d+)\])?(?:-(\d+)(?:\[(\d+)\])?(?:\.(\d+)(?:\.(\d+))?)?)?$/;

export function parseHl7Location(expression: string): Hl7Location | undefined {
  const match = LOCATION.exec(expression);
  if (!match) return undefined;
  const number = (text: string | undefined): number | undefined => (text === undefined ? undefined : Number(text));
  return {
    segment: match[1],
    sequence: number(match[2]),
    field: number(match[3]),
    repetition: number(match[4]),
    component: number(match[5]),
    subcomponent: number(match[6]),
  };
}

export function formatHl7Location(location: Hl7Location): string {
  let text = location.segment;
  if (location.sequence !== undefined && location.sequence !== 1) text += `[${location.sequence}]`;
  if (location.field === undefined) return text;
  text += `-${location.field}`;
  if (location.repetition !== undefined && location.repetition !== 1) text += `[${location.repetition}]`;
  if (location.component !== undefined) text += `.${location.component}`;
  if (location.component !== undefined && location.subcomponent !== undefined) text += `.${location.subcomponent}`;
  return text;
}
