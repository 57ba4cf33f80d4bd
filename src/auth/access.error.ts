import { OperationOutcomeError } from '@medplum/core';

export type AccessFailure = 'unauthenticated' | 'forbidden';

/**
 * A request refused by authentication (401, issue code `login`) or authorisation (403, issue
 * code `forbidden`). An OperationOutcomeError, so any mapper of that currency handles it; the
 * shapes below are what each API answers with.
 */
export class AccessError extends OperationOutcomeError {
  constructor(
    readonly failure: AccessFailure,
    readonly reason: string,
    expression: string,
  ) {
    super({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: failure === 'unauthenticated' ? 'login' : 'forbidden',
          details: { text: reason },
          expression: [expression],
        },
      ],
    });
    this.name = 'AccessError';
  }

  get status(): 401 | 403 {
    return this.failure === 'unauthenticated' ? 401 : 403;
  }
}

/** No usable access token: missing, malformed, expired, or not ours. */
export function notAuthenticated(reason: string): AccessError {
  return new AccessError('unauthenticated', reason, 'Authorization');
}

/** A valid token that does not grant what the request needs. */
export function notPermitted(reason: string): AccessError {
  return new AccessError('forbidden', reason, 'scope');
}

export interface AccessErrorResponse {
  readonly status: 401 | 403;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: unknown;
}

/** Which API a request path belongs to, for the error shape it answers with. */
export type ApiSurface = 'fhir' | 'graphql' | 'other';

function underPrefix(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}?`);
}

export function apiSurfaceOf(url: string): ApiSurface {
  if (underPrefix(url, '/fhir')) return 'fhir';
  if (underPrefix(url, '/graphql')) return 'graphql';
  return 'other';
}

/** The GraphQL error for an access failure: `extensions.code` UNAUTHENTICATED or FORBIDDEN. */
export function graphqlAccessError(error: AccessError): { message: string; extensions: { code: string } } {
  return { message: error.reason, extensions: { code: error.failure === 'unauthenticated' ? 'UNAUTHENTICATED' : 'FORBIDDEN' } };
}

/**
 * The one mapping from an access failure to an HTTP answer, by API: FHIR answers with an
 * OperationOutcome, GraphQL with `{errors: […]}`, everything else with `{error, message}`.
 * Every answer carries an RFC 6750 `WWW-Authenticate` challenge.
 */
export function accessErrorResponse(url: string, error: AccessError): AccessErrorResponse {
  const challenge =
    error.failure === 'unauthenticated'
      ? 'Bearer realm="liaison", error="invalid_token"'
      : 'Bearer realm="liaison", error="insufficient_scope"';
  switch (apiSurfaceOf(url)) {
    case 'fhir':
      return {
        status: error.status,
        headers: { 'content-type': 'application/fhir+json; charset=utf-8', 'www-authenticate': challenge },
        body: error.outcome,
      };
    case 'graphql':
      return {
        status: error.status,
        headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': challenge },
        body: { errors: [graphqlAccessError(error)] },
      };
    default:
      return {
        status: error.status,
        headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': challenge },
        body: { error: error.failure === 'unauthenticated' ? 'unauthorized' : 'forbidden', message: error.reason },
      };
  }
}
