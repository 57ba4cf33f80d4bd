import { formatScope, intersectScopes, parseScope, ResourceScope, scopeCovers, splitScopes } from './scope';

/** The OAuth `invalid_scope` error (RFC 6749 §5.2), with a description safe to return. */
export class InvalidScopeError extends Error {
  readonly error = 'invalid_scope';

  constructor(description: string) {
    super(description);
    this.name = 'InvalidScopeError';
  }
}

const MAX_ECHOED = 64;

function echo(token: string): string {
  const printable = token.replace(/[^\x21-\x7e]/g, '?');
  return printable.length > MAX_ECHOED ? `${printable.slice(0, MAX_ECHOED)}…` : printable;
}

/** Drops duplicates and any scope another kept scope already covers (the first wins a tie). */
function minimal(scopes: readonly { text: string; scope: ResourceScope }[]): string[] {
  const kept: { text: string; scope: ResourceScope }[] = [];
  scopes.forEach((candidate, index) => {
    const redundant = scopes.some(
      (other, otherIndex) =>
        otherIndex !== index &&
        scopeCovers(other.scope, candidate.scope) &&
        (!scopeCovers(candidate.scope, other.scope) || otherIndex < index),
    );
    if (!redundant) kept.push(candidate);
  });
  return kept.map((entry) => entry.text);
}

/**
 * The scopes a token gets: the requested ones narrowed to what the client is allowed.
 * A requested scope that an allowed one covers is granted as written; otherwise its overlap
 * with each allowed scope is granted in v2 syntax. Nothing requested grants everything allowed.
 * Throws InvalidScopeError for a malformed scope or when nothing at all can be granted.
 */
export function grantScopes(requested: string | undefined, allowed: readonly string[]): string[] {
  const allowedScopes = allowed
    .map((text) => ({ text, scope: parseScope(text) }))
    .filter((entry): entry is { text: string; scope: ResourceScope } => entry.scope !== undefined);
  const tokens = splitScopes(requested);
  if (tokens.length === 0) {
    if (allowedScopes.length === 0) throw new InvalidScopeError('this client is not allowed any scope');
    return minimal(allowedScopes);
  }
  const granted: { text: string; scope: ResourceScope }[] = [];
  for (const token of tokens) {
    const wanted = parseScope(token);
    if (!wanted) throw new InvalidScopeError(`"${echo(token)}" is not a SMART scope (e.g. system/Task.rs)`);
    if (allowedScopes.some((entry) => scopeCovers(entry.scope, wanted))) {
      granted.push({ text: token, scope: wanted });
      continue;
    }
    for (const entry of allowedScopes) {
      const overlap = intersectScopes(wanted, entry.scope);
      if (overlap) granted.push({ text: formatScope(overlap), scope: overlap });
    }
  }
  if (granted.length === 0) throw new InvalidScopeError('none of the requested scopes is granted to this client');
  return minimal(granted);
}
