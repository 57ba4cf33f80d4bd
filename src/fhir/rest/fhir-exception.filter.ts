import { randomUUID } from 'node:crypto';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

type IssueType = OperationOutcomeIssue['code'];
import { FHIR_JSON, httpStatusOf } from '@liaison/fhir-store';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AccessError, accessErrorResponse } from '../../auth';

const CODE_BY_STATUS: Readonly<Record<number, IssueType>> = {
  401: 'login',
  403: 'forbidden',
  404: 'not-found',
  405: 'not-supported',
  406: 'not-supported',
  409: 'conflict',
  410: 'deleted',
  412: 'conflict',
  413: 'too-long',
  415: 'not-supported',
  422: 'business-rule',
  429: 'throttled',
};

export interface FhirErrorAnswer {
  readonly status: number;
  readonly outcome: OperationOutcome;
}

/**
 * The one mapping from an error to a FHIR HTTP answer: an OperationOutcomeError keeps its
 * outcome (status from `httpStatusOf`); a Nest HttpException becomes an outcome with its status;
 * anything else is a 500 with an error id that is logged (name and code only: messages of
 * database errors can carry data).
 */
export function fhirErrorAnswer(error: unknown, logger: Logger): FhirErrorAnswer {
  if (error instanceof OperationOutcomeError) return { status: httpStatusOf(error.outcome), outcome: error.outcome };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const code: IssueType = status >= 500 ? 'exception' : (CODE_BY_STATUS[status] ?? 'invalid');
    return { status, outcome: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text: error.message } }] } };
  }
  const errorId = randomUUID();
  const failure = error as { name?: string; code?: string; stack?: string };
  logger.error({ errorId, name: failure?.name, code: failure?.code, at: failure?.stack?.split('\n').slice(1, 6).join('\n') }, 'FHIR request failed');
  return {
    status: 500,
    outcome: {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', details: { text: `Internal server error (error id ${errorId})` } }],
    },
  };
}

/** Answers every error on a FHIR route with an OperationOutcome (access errors as auth shapes them). */
@Catch()
export class FhirExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('FhirApi');

  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    if (error instanceof AccessError) {
      const answer = accessErrorResponse(http.getRequest<FastifyRequest>().url, error);
      void reply.status(answer.status).headers(answer.headers).send(JSON.stringify(answer.body));
      return;
    }
    const { status, outcome } = fhirErrorAnswer(error, this.logger);
    void reply.status(status).header('content-type', `${FHIR_JSON}; charset=utf-8`).send(JSON.stringify(outcome));
  }
}
