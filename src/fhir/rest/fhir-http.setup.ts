import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import {
  assertAcceptsFhirJson,
  FHIR_JSON,
  httpStatusOf,
  JSON_PATCH,
  mediaTypeOf,
  unsupportedMediaTypeOutcome,
} from '@liaison/fhir-store';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { parseJsonBody } from './fhir-request';

export const FHIR_PREFIX = '/fhir/';

/** Body media types a FHIR route may receive; the route decides which one it takes. */
const FHIR_BODY_TYPES = new Set([FHIR_JSON, 'application/json', 'application/json+fhir', JSON_PATCH, 'application/x-www-form-urlencoded']);
/** JSON flavours parsed by our lenient parser, so malformed JSON reaches the route as a 400 OperationOutcome. */
const JSON_TYPES = new Set(['application/json', 'application/json+fhir']);

function sendOutcome(reply: FastifyReply, outcome: OperationOutcome): void {
  void reply
    .code(httpStatusOf(outcome))
    .header('content-type', `${FHIR_JSON}; charset=utf-8`)
    .send(JSON.stringify(outcome));
}

function firstQueryValue(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown> | undefined)?.[name];
  return Array.isArray(value) ? String(value[0]) : value === undefined ? undefined : String(value);
}

/**
 * HTTP behaviour of the FHIR API that happens before routing: content negotiation (`Accept`,
 * `_format` → 406) and request media types (→ 415) answered with OperationOutcomes, and body
 * parsers for `application/fhir+json` and `application/json-patch+json` that leave malformed
 * JSON for the route to refuse with a 400 OperationOutcome. Only `/fhir/` paths are touched.
 */
@Injectable()
export class FhirHttpSetup implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    for (const type of [FHIR_JSON, JSON_PATCH]) {
      if (!fastify.hasContentTypeParser(type)) {
        fastify.addContentTypeParser(type, { parseAs: 'string' }, (_request, body, done) => done(null, parseJsonBody(body as string)));
      }
    }
    fastify.addHook('onRequest', (request, reply, done) => {
      if (!request.url.startsWith(FHIR_PREFIX)) return done();
      try {
        assertAcceptsFhirJson(request.headers.accept, firstQueryValue(request, '_format'));
      } catch (error) {
        sendOutcome(reply, (error as OperationOutcomeError).outcome);
        return;
      }
      const contentType = request.headers['content-type'];
      const mediaType = mediaTypeOf(contentType);
      if (mediaType !== undefined) {
        if (!FHIR_BODY_TYPES.has(mediaType)) {
          sendOutcome(reply, unsupportedMediaTypeOutcome(`Content-Type ${mediaType} is not supported; send ${FHIR_JSON}`));
          return;
        }
        request.fhirMediaType = mediaType;
        if (JSON_TYPES.has(mediaType)) request.headers['content-type'] = FHIR_JSON;
      }
      done();
    });
  }
}
