/** Longest string or token value kept in the search index (btree entries must stay small). */
export const MAX_INDEXED_LENGTH = 1024;

/**
 * The form string search compares: accents removed (NFD, combining marks dropped), lower case,
 * runs of white space collapsed to one space, trimmed. `"  Zoë  O'Brien"` → `"zoe o'brien"`.
 */
export function normalizeString(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_INDEXED_LENGTH);
}
