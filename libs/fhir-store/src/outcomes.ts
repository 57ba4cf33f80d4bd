import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

/**
 * The one mapping from an OperationOutcome to an HTTP status. `@medplum/core`'s outcome
 * constants carry an `id` (`not-found`, `gone`, …) that decides first; otherwise the code of
 * the first error issue decides (so `new OperationOutcomeError(badRequest(…))` is a 400 and an
 * issue coded `conflict` is a 409 wherever it was raised).
 */
const STATUS_BY_ID: Readonly<Record<string, number>> = {
  ok: 200,
  created: 201,
  accepted: 202,
  'not-modified': 304,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'not-acceptable': 406,
  conflict: 409,
  gone: 410,
  'precondition-failed': 412,
  'multiple-matches': 412,
  'content-too-large': 413,
  'unsupported-media-type': 415,
  'business-rule': 422,
  'too-many-requests': 429,
  'server-timeout': 504,
};

const STATUS_BY_ISSUE_CODE: Readonly<Record<string, number>> = {
  login: 401,
  unknown: 401,
  expired: 401,
  forbidden: 403,
  security: 403,
  suppressed: 403,
  'not-found': 404,
  deleted: 410,
  conflict: 409,
  duplicate: 409,
  'multiple-matches': 412,
  'too-long': 413,
  'business-rule': 422,
  throttled: 429,
  'too-costly': 403,
  timeout: 504,
  transient: 503,
  exception: 500,
};

export function httpStatusOf(outcome: OperationOutcome): number {
  const byId = outcome.id ? STATUS_BY_ID[outcome.id] : undefined;
  if (byId) return byId;
  const first = outcome.issue?.find((issue) => issue.severity === 'error' || issue.severity === 'fatal') ?? outcome.issue?.[0];
  if (!first) return 400;
  if (first.severity === 'information' || first.severity === 'warning') return 200;
  return STATUS_BY_ISSUE_CODE[first.code] ?? 400;
}

function outcome(id: string, severity: OperationOutcomeIssue['severity'], code: OperationOutcomeIssue['code'], text: string, expression?: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    id,
    issue: [{ severity, code, details: { text }, ...(expression ? { expression: [expression] } : {}) }],
  };
}

/** 406: the response format the caller asked for (Accept, `_format`) is not one we produce. */
export function notAcceptable(text: string): OperationOutcome {
  return outcome('not-acceptable', 'error', 'not-supported', text);
}

/** 415: the request body's Content-Type is not one this interaction takes. */
export function unsupportedMediaTypeOutcome(text: string): OperationOutcome {
  return outcome('unsupported-media-type', 'error', 'not-supported', text);
}

/** 412: `If-Match` names another version, or a conditional interaction matched too much. */
export function preconditionFailedOutcome(text: string, expression?: string): OperationOutcome {
  return outcome('precondition-failed', 'error', 'conflict', text, expression);
}

/** 404 for a resource, a version or a resource type that is not served. */
export function notFoundOutcome(text: string, expression?: string): OperationOutcome {
  return outcome('not-found', 'error', 'not-found', text, expression);
}

/** 410: the resource existed and was deleted. */
export function goneOutcome(text: string): OperationOutcome {
  return outcome('gone', 'error', 'deleted', text);
}

/** 409: the write conflicts with what is stored (a taken identifier, a failed JSON Patch test). */
export function conflictOutcome(text: string, expression?: string): OperationOutcome {
  return outcome('conflict', 'error', 'conflict', text, expression);
}

/** 405: the interaction is not supported on this path. */
export function methodNotAllowed(text: string): OperationOutcome {
  return outcome('method-not-allowed', 'error', 'not-supported', text);
}

/** A success outcome, for `Prefer: return=OperationOutcome` and `$validate`. */
export function informational(text: string, extra: readonly OperationOutcomeIssue[] = []): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'information', code: 'informational', details: { text } }, ...extra],
  };
}
