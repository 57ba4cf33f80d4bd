import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { STANDARD_DELIMITERS } from './delimiters';
import { escapeHl7 } from './escaping';
import {
  HL7_ACK_CODE_SYSTEM,
  HL7_ERROR_CODE_SYSTEM,
  HL7_ERROR_TEXT,
  Hl7ErrorCode,
  parseHl7Location,
  type Hl7Location,
  type Hl7RejectionCode,
} from './hl7-errors';
import type { Hl7Header } from './message';
import { formatHl7Timestamp } from './timestamps';

/** HL7 table 0008: application (AA/AE/AR) and commit (CA/CE/CR) acknowledgment codes. */
export type AckCode = 'AA' | 'AE' | 'AR' | 'CA' | 'CE' | 'CR';

export interface AckError {
  readonly location?: Hl7Location;
  readonly hl7Code: Hl7ErrorCode;
  /** ERR-4: E error, W warning, I information. */
  readonly severity: 'E' | 'W' | 'I';
  /** For the sender's interface engineer (ERR-8, or MSA-3 before v2.5). */
  readonly text?: string;
}

export interface AckRequest {
  readonly code: AckCode;
  readonly errors?: readonly AckError[];
  /** MSH-10 of the ACK itself: a new control id. */
  readonly controlId: string;
  /** MSH-7 of the ACK. */
  readonly now: Date;
  /** Offset written in MSH-7, in minutes east of UTC (default 0: `+0000`). */
  readonly utcOffsetMinutes?: number;
}

const TEXT_FOR_CODE: Readonly<Record<AckCode, string>> = {
  AA: 'Message accepted',
  AE: 'Application error',
  AR: 'Message rejected',
  CA: 'Message committed',
  CE: 'Commit error',
  CR: 'Commit rejected',
};

/**
 * The ACK for a message, as text in the message's own delimiters (so a sender using `^` as its
 * field separator reads its answer). MSH swaps sender and receiver (MSH-3/4 ⇄ MSH-5/6) and
 * echoes MSH-11, MSH-12 and MSH-18; MSH-9 is `ACK^<trigger>^ACK` (v2.3.1+) or `ACK^<trigger>`;
 * `MSA-2` is the incoming MSH-10 exactly as written. Each error is an `ERR`: from v2.5 one
 * segment per error with ERR-2 (location), ERR-3 (HL7 error code, table 0357), ERR-4 (severity)
 * and ERR-8 (text); before v2.5 one segment whose ERR-1 repeats location and code. Without a
 * header (no MSH could be found) the ACK uses the standard delimiters and echoes nothing.
 */
export function buildAck(header: Hl7Header | undefined, request: AckRequest): string {
  const delimiters = header?.delimiters ?? STANDARD_DELIMITERS;
  const { component: c, field: f } = delimiters;
  const sub = delimiters.subcomponent ?? c;
  const incoming = header?.fields ?? [];
  const version = header?.version ?? '2.5.1';
  const modern = compareVersions(version, '2.5') >= 0;
  const esc = (text: string): string => escapeHl7(text, delimiters);
  const trigger = header?.messageType.trigger;
  const messageType = trigger
    ? compareVersions(version, '2.3.1') >= 0
      ? `ACK${c}${esc(trigger)}${c}ACK`
      : `ACK${c}${esc(trigger)}`
    : 'ACK';

  const msh = [
    'MSH',
    delimiters.encodingCharacters,
    incoming[5] ?? '',
    incoming[6] ?? '',
    incoming[3] ?? '',
    incoming[4] ?? '',
    formatHl7Timestamp(request.now, request.utcOffsetMinutes ?? 0),
    '',
    messageType,
    esc(request.controlId),
    incoming[11] || 'P',
    incoming[12] || esc(version),
  ];
  if (incoming[18]) msh.push('', '', '', '', '', incoming[18]);

  const errors = request.errors ?? [];
  const firstText = errors.find((e) => e.severity === 'E')?.text ?? errors[0]?.text;
  const msa = ['MSA', request.code, incoming[10] ?? ''];
  if (!modern) msa.push(esc(firstText ?? TEXT_FOR_CODE[request.code]));

  const segments = [msh.join(f), msa.join(f)];
  if (errors.length > 0 && modern) {
    for (const error of errors) {
      const location = error.location;
      const erl = location
        ? trimTrailing([
            location.segment,
            String(location.sequence ?? 1),
            location.field === undefined ? '' : String(location.field),
            location.field === undefined ? '' : String(location.repetition ?? 1),
            location.component === undefined ? '' : String(location.component),
            location.subcomponent === undefined ? '' : String(location.subcomponent),
          ]).join(c)
        : '';
      const code = [error.hl7Code, esc(HL7_ERROR_TEXT[error.hl7Code]), 'HL70357'].join(c);
      segments.push(trimTrailing(['ERR', '', erl, code, error.severity, '', '', '', error.text ? esc(error.text) : '']).join(f));
    }
  } else if (errors.length > 0) {
    const repetition = delimiters.repetition ?? c;
    const elds = errors.map((error) => {
      const location = error.location;
      const code = [error.hl7Code, esc(HL7_ERROR_TEXT[error.hl7Code]), 'HL70357'].join(sub);
      return [
        location?.segment ?? '',
        location ? String(location.sequence ?? 1) : '',
        location?.field === undefined ? '' : String(location.field),
        code,
      ].join(c);
    });
    segments.push(['ERR', elds.join(repetition)].join(f));
  }
  return segments.join('\r');
}

function trimTrailing(values: string[]): string[] {
  let end = values.length;
  while (end > 1 && values[end - 1] === '') end--;
  return values.slice(0, end);
}

/** Compares dotted version numbers: `2.3.1` < `2.4` < `2.5` < `2.5.1`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** What happened to a message, in the receiver's terms. */
export interface ProcessingOutcome {
  /** `AA` applied (or nothing to apply), `AE` understood but not applied, `AR` rejected. */
  readonly application: 'AA' | 'AE' | 'AR';
  /** Whether the message (and its effects, if any) is safely stored. */
  readonly committed: boolean;
}

/** Original mode when MSH-15 and MSH-16 are both empty, enhanced otherwise (v2.5 §2.9.3). */
export function acknowledgmentMode(header: Hl7Header | undefined): 'original' | 'enhanced' {
  return header?.acceptAckType || header?.applicationAckType ? 'enhanced' : 'original';
}

/**
 * The one acknowledgment sent back on the connection for a message (DESIGN.md: one ACK per
 * message, so a sender waiting for it is never left hanging).
 *
 * - Original mode: the application ACK (AA/AE/AR).
 * - Enhanced mode: the application ACK when MSH-16 asks for it for this outcome (AL always,
 *   SU on success, ER on error or reject); else the commit ACK (CA committed, CE not stored,
 *   CR rejected) when MSH-15 asks for that; else, when the sender asked for neither (NE/NE),
 *   the application ACK all the same.
 */
export function chooseAckCode(header: Hl7Header | undefined, outcome: ProcessingOutcome): AckCode {
  const application = outcome.application;
  if (acknowledgmentMode(header) === 'original') return application;
  if (requested(header?.applicationAckType, application === 'AA')) return application;
  const commit: AckCode = application === 'AR' ? 'CR' : outcome.committed ? 'CA' : 'CE';
  if (requested(header?.acceptAckType, commit === 'CA')) return commit;
  return application;
}

function requested(condition: string | undefined, success: boolean): boolean {
  switch (condition) {
    case 'AL':
      return true;
    case 'SU':
      return success;
    case 'ER':
      return !success;
    default:
      return false;
  }
}

const REJECT_ISSUE_CODES: ReadonlySet<string> = new Set(['structure', 'not-supported', 'security', 'forbidden', 'login']);

/** An application-level rejection: the ACK code and the ERR rows it carries. */
export interface AckVerdict {
  readonly code: Hl7RejectionCode;
  readonly errors: readonly AckError[];
}

/**
 * The acknowledgment an error deserves. An `OperationOutcomeError` says it itself when it was
 * raised as an HL7 error (table 0008 and 0357 codes in `details.coding`); any other outcome is
 * read from its issue codes (`structure`, `not-supported`, `forbidden` → `AR`, the rest → `AE`).
 * Anything else is an internal error: `AE` with code 207 and no detail (the caller logs it
 * with an error id; a stack trace never goes to the sender).
 */
export function ackVerdictFor(error: unknown): AckVerdict {
  if (!(error instanceof OperationOutcomeError)) {
    return { code: 'AE', errors: [{ hl7Code: Hl7ErrorCode.internalError, severity: 'E', text: 'Internal error' }] };
  }
  const issues = error.outcome.issue ?? [];
  const failures = issues.filter((issue) => issue.severity === 'error' || issue.severity === 'fatal');
  const rows = (failures.length > 0 ? failures : issues).map(ackErrorOf);
  const reject = failures.some((issue) => ackCodeOf(issue) === 'AR');
  return {
    code: reject ? 'AR' : 'AE',
    errors: rows.length > 0 ? rows : [{ hl7Code: Hl7ErrorCode.internalError, severity: 'E' }],
  };
}

/** An `ERR` row for an issue (a warning becomes severity W). */
export function ackErrorOf(issue: OperationOutcomeIssue): AckError {
  const expression = issue.expression?.[0];
  const location = expression ? parseHl7Location(expression) : undefined;
  const declared = issue.details?.coding?.find((c) => c.system === HL7_ERROR_CODE_SYSTEM)?.code;
  const hl7Code = declared && declared in HL7_ERROR_TEXT ? (declared as Hl7ErrorCode) : hl7CodeOf(issue, location);
  const severity = issue.severity === 'warning' ? 'W' : issue.severity === 'information' ? 'I' : 'E';
  const text = issue.details?.text ?? issue.diagnostics;
  return { ...(location && { location }), hl7Code, severity, ...(text && { text }) };
}

function ackCodeOf(issue: OperationOutcomeIssue): Hl7RejectionCode {
  const declared = issue.details?.coding?.find((c) => c.system === HL7_ACK_CODE_SYSTEM)?.code;
  if (declared === 'AR' || declared === 'AE') return declared;
  return REJECT_ISSUE_CODES.has(issue.code) ? 'AR' : 'AE';
}

function hl7CodeOf(issue: OperationOutcomeIssue, location: Hl7Location | undefined): Hl7ErrorCode {
  switch (issue.code) {
    case 'structure':
      return location?.field === undefined ? Hl7ErrorCode.segmentSequence : Hl7ErrorCode.dataType;
    case 'required':
      return location && location.field === undefined ? Hl7ErrorCode.segmentSequence : Hl7ErrorCode.requiredFieldMissing;
    case 'value':
    case 'invalid':
    case 'invariant':
      return Hl7ErrorCode.dataType;
    case 'code-invalid':
      return Hl7ErrorCode.tableValueNotFound;
    case 'not-supported':
      return Hl7ErrorCode.unsupportedMessageType;
    case 'not-found':
      return Hl7ErrorCode.unknownKey;
    case 'duplicate':
      return Hl7ErrorCode.duplicateKey;
    case 'lock-error':
    case 'conflict':
      return Hl7ErrorCode.recordLocked;
    default:
      return Hl7ErrorCode.internalError;
  }
}
