/**
 * Message text as real feeds send it, made regular: the documented normalisation step.
 *
 * - Anything before the first segment that is not text is dropped: a byte-order mark,
 *   whitespace, stray MLLP framing bytes (VT 0x0B, FS 0x1C), NUL.
 * - Segments end at CR, LF or CRLF (HL7 says CR; many files and engines use LF or CRLF).
 * - Whitespace and framing bytes at the end of a segment are dropped: they belong to the
 *   segment's last field, and trimming them keeps resends that differ only there identical.
 *   Whitespace anywhere else (inside fields and components) is data and is kept.
 * - Empty lines are dropped.
 */
export function splitSegments(text: string): string[] {
  const body = text.replace(/^[\uFEFF\s\u0000\u000B\u001C]+/, '');
  const segments: string[] = [];
  for (const line of body.split(/\r\n|\r|\n/)) {
    const segment = line.replace(/^[\uFEFF\u0000\u000B\u001C]+/, '').replace(/[\s\u0000\u000B\u001C]+$/, '');
    if (segment) segments.push(segment);
  }
  return segments;
}

/** A segment id: three characters, a capital letter then capitals or digits (`MSH`, `PV1`, `ZNM`). */
export const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;

/** The segment id of a segment's text, if it has a well-formed one followed by the field separator or nothing. */
export function segmentIdOf(segment: string, fieldSeparator: string): string | undefined {
  const id = segment.slice(0, 3);
  if (!SEGMENT_ID.test(id)) return undefined;
  const next = segment.charAt(3);
  if (next !== '' && next !== fieldSeparator && !(id === 'MSH' || id === 'FHS' || id === 'BHS')) return undefined;
  return id;
}

/** Segments that frame batches and files; they never sit inside a message. */
export const BATCH_SEGMENTS: ReadonlySet<string> = new Set(['FHS', 'FTS', 'BHS', 'BTS']);
