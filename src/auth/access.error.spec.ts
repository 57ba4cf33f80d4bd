import { accessErrorResponse, apiSurfaceOf, graphqlAccessError, notAuthenticated, notPermitted } from './access.error';

describe('apiSurfaceOf', () => {
  it.each([
    ['/fhir/R4/Patient', 'fhir'],
    ['/fhir', 'fhir'],
    ['/fhir?x=1', 'fhir'],
    ['/fhirish', 'other'],
    ['/graphql', 'graphql'],
    ['/graphql?query=x', 'graphql'],
    ['/graphql/ws', 'graphql'],
    ['/graphqlx', 'other'],
    ['/oauth2/whoami', 'other'],
    ['/', 'other'],
  ])('%s → %s', (url, surface) => {
    expect(apiSurfaceOf(url)).toBe(surface);
  });
});

describe('accessErrorResponse', () => {
  const missing = notAuthenticated('no access token');
  const denied = notPermitted('scope system/Task.r is required');

  it.each([
    [
      '/fhir/R4/Task',
      missing,
      401,
      'application/fhir+json; charset=utf-8',
      'Bearer realm="liaison", error="invalid_token"',
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'login', details: { text: 'no access token' }, expression: ['Authorization'] }],
      },
    ],
    [
      '/fhir/R4/Task',
      denied,
      403,
      'application/fhir+json; charset=utf-8',
      'Bearer realm="liaison", error="insufficient_scope"',
      {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'forbidden', details: { text: 'scope system/Task.r is required' }, expression: ['scope'] }],
      },
    ],
    [
      '/graphql',
      missing,
      401,
      'application/json; charset=utf-8',
      'Bearer realm="liaison", error="invalid_token"',
      { errors: [{ message: 'no access token', extensions: { code: 'UNAUTHENTICATED' } }] },
    ],
    [
      '/graphql',
      denied,
      403,
      'application/json; charset=utf-8',
      'Bearer realm="liaison", error="insufficient_scope"',
      { errors: [{ message: 'scope system/Task.r is required', extensions: { code: 'FORBIDDEN' } }] },
    ],
    [
      '/oauth2/whoami',
      missing,
      401,
      'application/json; charset=utf-8',
      'Bearer realm="liaison", error="invalid_token"',
      { error: 'unauthorized', message: 'no access token' },
    ],
    [
      '/webhooks',
      denied,
      403,
      'application/json; charset=utf-8',
      'Bearer realm="liaison", error="insufficient_scope"',
      { error: 'forbidden', message: 'scope system/Task.r is required' },
    ],
  ])('%s, %s', (url, error, status, contentType, challenge, body) => {
    const answer = accessErrorResponse(url, error);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toBe(contentType);
    expect(answer.headers['www-authenticate']).toBe(challenge);
    expect(answer.body).toEqual(body);
  });

  it('gives GraphQL resolvers the same codes', () => {
    expect(graphqlAccessError(missing).extensions.code).toBe('UNAUTHENTICATED');
    expect(graphqlAccessError(denied).extensions.code).toBe('FORBIDDEN');
  });
});
