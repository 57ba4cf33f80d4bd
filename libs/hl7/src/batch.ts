import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { readDelimitersLeniently } from './delimiters';
import { hl7Error, Hl7ErrorCode, hl7Warning } from './hl7-errors';
import { segmentIdOf, splitSegments } from './segments';

/** One batch (BHS … BTS) of a file, or the messages sent without any batch header. */
export interface Hl7BatchGroup {
  /** The BHS segment, absent for messages that arrived without one. */
  readonly header?: string;
  /** Each message's segments joined with CR. */
  readonly messages: readonly string[];
  /** BTS-1, the number of messages the sender says the batch holds. */
  readonly declaredCount?: number;
}

export interface Hl7Batch {
  /** The FHS segment, when the text is an HL7 file. */
  readonly fileHeader?: string;
  readonly groups: readonly Hl7BatchGroup[];
  /** Every message of every group, in order. */
  readonly messages: readonly string[];
  /** Count mismatches, missing trailers, messages sent back to back without a header. */
  readonly warnings: readonly OperationOutcomeIssue[];
}

interface OpenGroup {
  header?: string;
  messages: string[][];
  declaredCount?: number;
  closed: boolean;
}

/**
 * Splits text that may hold several messages: an HL7 file (FHS, BHS … BTS batches, FTS), a
 * batch, messages sent back to back, or one message. A message starts at each segment that
 * begins with `MSH` (a field whose value is "MSH" is never a segment start). A batch header
 * inside an open batch (a BHS before the previous BTS), a segment outside any message, or an
 * FHS that is not first is malformed: an `AR` error naming that segment. Trailer counts that
 * disagree with the content are warnings: the messages that are there are still processed.
 */
export function splitHl7Batch(text: string): Hl7Batch {
  const segments = splitSegments(text);
  const warnings: OperationOutcomeIssue[] = [];
  const groups: OpenGroup[] = [];
  const seen = new Map<string, number>();
  let fileHeader: string | undefined;
  let fileTrailerCount: number | undefined;
  let fileClosed = false;
  let fieldSeparator = '|';
  let group: OpenGroup | undefined;
  let message: string[] | undefined;

  const reject = (id: string, text: string, hl7Code: Hl7ErrorCode = Hl7ErrorCode.segmentSequence): never => {
    const sequence = seen.get(id) ?? 1;
    throw hl7Error({ ack: 'AR', hl7Code, code: 'structure', expression: sequence > 1 ? `${id}[${sequence}]` : id, text });
  };
  const closeMessage = (): void => {
    if (message) {
      if (!group) {
        group = { messages: [], closed: false };
        groups.push(group);
      }
      group.messages.push(message);
      message = undefined;
    }
  };
  const countIn = (segment: string): number | undefined => {
    const value = segment.split(fieldSeparator)[1]?.split(/[\^~&]/)[0]?.trim();
    return value && /^\d+$/.test(value) ? Number(value) : undefined;
  };

  segments.forEach((segment, index) => {
    const header = segment.startsWith('MSH') || segment.startsWith('FHS') || segment.startsWith('BHS');
    if (header) fieldSeparator = readDelimitersLeniently(segment).field;
    const id = segmentIdOf(segment, fieldSeparator);
    if (!id) {
      if (index === 0) {
        throw hl7Error({
          ack: 'AR',
          hl7Code: Hl7ErrorCode.segmentSequence,
          code: 'structure',
          expression: 'MSH',
          text: 'The message does not start with an MSH segment (or an FHS/BHS batch header)',
        });
      }
      throw hl7Error({
        ack: 'AR',
        hl7Code: Hl7ErrorCode.segmentSequence,
        code: 'structure',
        text: `Segment ${index + 1} does not start with a segment id (three capitals or digits)`,
      });
    }
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (fileClosed) reject(id, `${id} after the file trailer FTS`);
    switch (id) {
      case 'FHS':
        if (index !== 0) reject(id, 'FHS must be the first segment of a file');
        fileHeader = segment;
        return;
      case 'FTS':
        closeMessage();
        if (group && !group.closed && group.header) warnings.push(hl7Warning('A batch has no BTS trailer', 'BHS'));
        fileTrailerCount = countIn(segment);
        fileClosed = true;
        return;
      case 'BHS':
        if (group?.header && !group.closed) reject(id, 'BHS inside an open batch: the previous batch has no BTS trailer');
        if (message) reject(id, 'BHS inside a message');
        group = { header: segment, messages: [], closed: false };
        groups.push(group);
        return;
      case 'BTS':
        closeMessage();
        if (!group?.header || group.closed) reject(id, 'BTS without a batch header BHS');
        group!.declaredCount = countIn(segment);
        group!.closed = true;
        return;
      case 'MSH':
        closeMessage();
        if (group?.closed) group = undefined;
        message = [segment];
        return;
      default:
        if (!message) reject(id, `${id} outside a message: a message starts with MSH`);
        message!.push(segment);
    }
  });
  closeMessage();

  if (fileHeader && !fileClosed) warnings.push(hl7Warning('The file has no FTS trailer', 'FHS'));
  if (group?.header && !group.closed && !fileClosed) warnings.push(hl7Warning('A batch has no BTS trailer', 'BHS'));
  const batches = groups.filter((g) => g.header);
  groups.forEach((g) => {
    if (g.declaredCount !== undefined && g.declaredCount !== g.messages.length) {
      warnings.push(hl7Warning(`BTS-1 says ${g.declaredCount} messages, the batch holds ${g.messages.length}`, 'BTS-1'));
    }
    if (!g.header && g.messages.length > 1) {
      warnings.push(hl7Warning(`${g.messages.length} messages sent back to back without a batch header`));
    }
  });
  if (fileTrailerCount !== undefined && fileTrailerCount !== batches.length) {
    warnings.push(hl7Warning(`FTS-1 says ${fileTrailerCount} batches, the file holds ${batches.length}`, 'FTS-1'));
  }

  const finished = groups.map((g) => ({
    ...(g.header && { header: g.header }),
    messages: g.messages.map((m) => m.join('\r')),
    ...(g.declaredCount !== undefined && { declaredCount: g.declaredCount }),
  }));
  return {
    ...(fileHeader && { fileHeader }),
    groups: finished,
    messages: finished.flatMap((g) => g.messages),
    warnings,
  };
}
