import { badRequest, OperationOutcomeError } from '@medplum/core';
import { assertBodyContentType, BodyKind, normaliseQuery, parsePrefer, Preference } from '@liaison/fhir-store';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The media type the client sent on a FHIR route, before the body parser saw it. */
    fhirMediaType?: string;
  }
}

/** A FHIR request body that is not JSON: kept (not thrown at parse time) so the route answers 400 with an OperationOutcome. */
export class UnparsableBody {
  constructor(readonly reason: string) {}
}

/** A response body that is JSON text already (a search Bundle with stored resources spliced in): sent as is. */
export class JsonBody {
  constructor(readonly text: string) {}
}

/** What the FHIR routes read from an HTTP request, once. */
export interface FhirRequestContext {
  readonly prefer: Preference;
  readonly pretty: boolean;
  readonly query: Record<string, string[]>;
  readonly rawBody: unknown;
  readonly mediaType?: string;
  readonly ifMatch?: string;
  readonly ifNoneExist?: string;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export function fhirContextOf(request: FastifyRequest): FhirRequestContext {
  const query = normaliseQuery(request.query as Record<string, unknown> | undefined);
  return {
    prefer: parsePrefer(header(request, 'prefer')),
    pretty: query._pretty?.[0] === 'true',
    query,
    rawBody: request.body,
    mediaType: request.fhirMediaType,
    ifMatch: header(request, 'if-match'),
    ifNoneExist: header(request, 'if-none-exist'),
  };
}

/** The parsed body of a route that takes one: 415 for a wrong Content-Type, 400 for bad JSON or none. */
export function bodyOf(context: FhirRequestContext, kind: BodyKind): unknown {
  assertBodyContentType(context.mediaType, kind);
  const body = context.rawBody;
  if (body instanceof UnparsableBody) throw new OperationOutcomeError(badRequest(`The body is not valid JSON: ${body.reason}`));
  if (body === undefined || body === null || body === '') throw new OperationOutcomeError(badRequest('This interaction needs a body'));
  return body;
}

/** Parses a JSON body without throwing: prototype-poisoning keys are dropped. */
export function parseJsonBody(text: string): unknown {
  try {
    return text.includes('__proto__')
      ? JSON.parse(text, (key, value: unknown) => (key === '__proto__' ? undefined : value))
      : JSON.parse(text);
  } catch (error) {
    return new UnparsableBody(error instanceof Error ? error.message : 'unparsable');
  }
}
