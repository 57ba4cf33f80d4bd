import { allOk, badRequest, conflict, forbidden, gone, notFound, OperationOutcomeError, preconditionFailed } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { GraphQLError } from 'graphql';
import { notAuthenticated, notPermitted } from '../auth';
import { GraphqlErrorCode, graphqlCodeOf, toGraphqlError } from './graphql-error.mapper';

function issue(code: string, expression?: string): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: code as never, details: { text: `${code} happened` }, ...(expression && { expression: [expression] }) }] };
}

describe('graphqlCodeOf', () => {
  it.each<[string, OperationOutcome, GraphqlErrorCode]>([
    ['no token', notAuthenticated('x').outcome, 'UNAUTHENTICATED'],
    ['a scope missing', notPermitted('x').outcome, 'FORBIDDEN'],
    ['forbidden (medplum)', forbidden, 'FORBIDDEN'],
    ['not found', notFound, 'NOT_FOUND'],
    ['deleted', gone, 'NOT_FOUND'],
    ['a forbidden transition', issue('conflict', 'Task.status'), 'CONFLICT'],
    ['a conflict (medplum)', conflict('x'), 'CONFLICT'],
    ['If-Match failed', preconditionFailed, 'CONFLICT'],
    ['a missing reason', issue('business-rule', 'Task.statusReason'), 'BAD_USER_INPUT'],
    ['invalid', badRequest('x', 'Task.owner'), 'BAD_USER_INPUT'],
    ['a bad value', issue('value', 'Task.status'), 'BAD_USER_INPUT'],
    ['a required element missing', issue('required', 'Task.intent'), 'BAD_USER_INPUT'],
    ['our failure', issue('exception'), 'INTERNAL_SERVER_ERROR'],
    ['an outcome that is not an error', allOk, 'BAD_USER_INPUT'],
  ])('%s → %s', (_case, outcome, code) => {
    expect(graphqlCodeOf(outcome)).toBe(code);
  });
});

describe('toGraphqlError', () => {
  it('carries the texts, the code and where', () => {
    const error = toGraphqlError(new OperationOutcomeError(issue('conflict', 'Task.status')), true);
    expect(error.message).toBe('conflict happened');
    expect(error.extensions).toEqual({ code: 'CONFLICT', expression: 'Task.status' });
  });

  it('lists every issue when there are several', () => {
    const outcome: OperationOutcome = { resourceType: 'OperationOutcome', issue: [issue('required', 'Task.intent').issue![0], issue('value', 'Task.status').issue![0]] };
    const error = toGraphqlError(new OperationOutcomeError(outcome), true);
    expect(error.message).toBe('required happened; value happened');
    expect(error.extensions.issues).toEqual([
      { code: 'required', expression: 'Task.intent', text: 'required happened' },
      { code: 'value', expression: 'Task.status', text: 'value happened' },
    ]);
  });

  it('keeps a GraphQLError that already has a code', () => {
    const error = new GraphQLError('x', { extensions: { code: 'FORBIDDEN' } });
    expect(toGraphqlError(error, true)).toBe(error);
  });

  it.each([true, false])('answers anything else as INTERNAL_SERVER_ERROR with an error id (production: %s)', (production) => {
    const error = toGraphqlError(new Error('relation "secret_table" does not exist'), production);
    expect(error.extensions.code).toBe('INTERNAL_SERVER_ERROR');
    expect(error.extensions.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message.includes('secret_table')).toBe(!production);
  });
});
