/** A reference as the index keeps it: a local `Type/id`, or else the literal (absolute) URL. */
export interface ParsedReference {
  readonly targetType: string | null;
  readonly targetId: string | null;
  readonly url: string | null;
}

const LOCAL = /^([A-Z][A-Za-z]{1,63})\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/**
 * Reads `Patient/123`, `Patient/123/_history/2` or `<baseUrl>/Patient/123` (our own FHIR base)
 * as a local reference; any other absolute URL or canonical is kept whole. Contained (`#x`) and
 * empty references index nothing.
 */
export function parseReferenceString(reference: string, baseUrl: string): ParsedReference | undefined {
  let value = reference.trim();
  if (!value || value.startsWith('#')) return undefined;
  const base = baseUrl.replace(/\/+$/, '') + '/';
  if (value.startsWith(base)) value = value.slice(base.length);
  const local = LOCAL.exec(value);
  if (local) return { targetType: local[1], targetId: local[2], url: null };
  return { targetType: null, targetId: null, url: value.slice(0, 2048) };
}
