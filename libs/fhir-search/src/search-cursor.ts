import { badRequest, OperationOutcomeError } from '@medplum/core';

/**
 * Where a page ended: the sort-key values of its last row (as text, null when the row had none)
 * and that row's id. The next page is everything strictly after this position in the sort order.
 */
export interface CursorPosition {
  readonly values: readonly (string | null)[];
  readonly id: string;
}

interface CursorPayload {
  readonly s: string;
  readonly v: readonly (string | null)[];
  readonly i: string;
}

/** Opaque to clients: base64url JSON naming the sort it belongs to, so it cannot be replayed on another. */
export function encodeCursor(sortSignature: string, position: CursorPosition): string {
  const payload: CursorPayload = { s: sortSignature, v: position.values, i: position.id };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function invalid(): OperationOutcomeError {
  return new OperationOutcomeError(badRequest('Invalid _cursor: use the next link of the previous page', '_cursor'));
}

/** Reads a cursor made by `encodeCursor` for the same sort; anything else is a 400. */
export function decodeCursor(raw: string, sortSignature: string, keyCount: number): CursorPosition {
  if (raw.length > 4096 || !/^[A-Za-z0-9_-]+$/.test(raw)) throw invalid();
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  const { s, v, i } = (payload ?? {}) as Partial<CursorPayload>;
  if (
    s !== sortSignature ||
    typeof i !== 'string' ||
    !Array.isArray(v) ||
    v.length !== keyCount ||
    !v.every((value) => value === null || typeof value === 'string')
  ) {
    throw invalid();
  }
  return { values: v, id: i };
}
