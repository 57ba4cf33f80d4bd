import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { WorklistOrder, WorklistPosition } from '../fhir';

/**
 * Worklist cursors: the sort key of a row (keyset), base64url JSON, tagged with the order it
 * belongs to. Opaque to clients; a cursor of another order is refused.
 */
/** `due_at` as PostgreSQL writes a timestamptz (ISO DateStyle), or infinity. */
const DUE_KEY = /^(infinity|\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2}){0,2})$/;

export function encodeWorklistCursor(order: WorklistOrder, position: WorklistPosition): string {
  return Buffer.from(JSON.stringify([order, position.dueAt, position.urgency, position.taskId])).toString('base64url');
}

export function decodeWorklistCursor(order: WorklistOrder, cursor: string): WorklistPosition {
  try {
    const [tag, dueAt, urgency, taskId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (tag === order && typeof dueAt === 'string' && DUE_KEY.test(dueAt) && Number.isInteger(urgency) && typeof taskId === 'string') {
      return { dueAt, urgency: urgency as number, taskId };
    }
  } catch {
    // fall through
  }
  throw new OperationOutcomeError(badRequest('after is not a cursor of this worklist order', 'after'));
}
