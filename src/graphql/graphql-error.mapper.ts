import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { OperationOutcomeError } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { GraphQLError } from 'graphql';
import { httpStatusOf } from '../fhir';

/** The `extensions.code` values of the API (DESIGN.md), plus the one for our own failures. */
export type GraphqlErrorCode = 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'BAD_USER_INPUT' | 'CONFLICT' | 'INTERNAL_SERVER_ERROR';

const logger = new Logger('GraphQL');

/**
 * The one mapping from the error currency (an OperationOutcome) to a GraphQL code, through the
 * HTTP status the FHIR API would answer with, so both doors agree: 401 UNAUTHENTICATED, 403
 * FORBIDDEN, 404/410 NOT_FOUND, 409/412 CONFLICT (a forbidden transition, a version that moved),
 * other 4xx BAD_USER_INPUT, 5xx INTERNAL_SERVER_ERROR.
 */
export function graphqlCodeOf(outcome: OperationOutcome): GraphqlErrorCode {
  const status = httpStatusOf(outcome);
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404 || status === 410) return 'NOT_FOUND';
  if (status === 409 || status === 412) return 'CONFLICT';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  return 'BAD_USER_INPUT';
}

function problemsOf(outcome: OperationOutcome): { code: string; expression?: string; text: string }[] {
  return (outcome.issue ?? [])
    .filter((issue) => issue.severity === 'error' || issue.severity === 'fatal')
    .map((issue) => ({
      code: issue.code,
      ...(issue.expression?.[0] && { expression: issue.expression[0] }),
      text: issue.details?.text ?? issue.diagnostics ?? issue.code,
    }));
}

/** An OperationOutcomeError as a GraphQL error: its texts, `extensions.code`, and the issues (code, where). */
export function outcomeGraphqlError(error: OperationOutcomeError): GraphQLError {
  const problems = problemsOf(error.outcome);
  const message = problems.map((p) => p.text).join('; ') || error.message;
  return new GraphQLError(message, {
    originalError: error,
    extensions: {
      code: graphqlCodeOf(error.outcome),
      ...(problems[0]?.expression && { expression: problems[0].expression }),
      ...(problems.length > 1 && { issues: problems }),
    },
  });
}

/**
 * An error we did not expect (a bug, the database gone): logged once with an id and what can
 * be said without data (name, PostgreSQL code, stack frames, not the message), answered as
 * INTERNAL_SERVER_ERROR with that id, and in production without its message.
 */
export function internalGraphqlError(error: unknown, production: boolean): GraphQLError {
  const errorId = randomUUID();
  const name = error instanceof Error ? error.name : typeof error;
  const pgCode = (error as { code?: unknown } | undefined)?.code;
  const frames = error instanceof Error ? (error.stack ?? '').split('\n').slice(1, 8).join('\n') : '';
  logger.error(`GraphQL internal error ${errorId}: ${name}${typeof pgCode === 'string' ? ` (${pgCode})` : ''}\n${frames}`);
  const message = production || !(error instanceof Error) ? `Internal server error (error id ${errorId})` : `${error.message} (error id ${errorId})`;
  return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR', errorId } });
}

/** Any error a resolver raised, as the GraphQL error the client gets. */
export function toGraphqlError(error: unknown, production: boolean): GraphQLError {
  if (error instanceof GraphQLError && typeof error.extensions?.code === 'string') return error;
  if (error instanceof OperationOutcomeError) return outcomeGraphqlError(error);
  return internalGraphqlError(error, production);
}
