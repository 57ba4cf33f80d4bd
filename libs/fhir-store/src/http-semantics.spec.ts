import { badRequest, conflict, forbidden, gone, multipleMatches, notFound, OperationOutcomeError, preconditionFailed } from '@medplum/core';
import type { OperationOutcome } from '@medplum/fhirtypes';
import { assertAcceptsFhirJson, assertBodyContentType, BodyKind, parsePrefer, versionFromIfMatch, weakEtag } from './http-semantics';
import { httpStatusOf, notAcceptable, unsupportedMediaTypeOutcome } from './outcomes';

function statusOfThrow(work: () => void): number | 'ok' {
  try {
    work();
    return 'ok';
  } catch (error) {
    return httpStatusOf((error as OperationOutcomeError).outcome);
  }
}

describe('httpStatusOf', () => {
  const issue = (code: string, severity = 'error'): OperationOutcome =>
    ({ resourceType: 'OperationOutcome', issue: [{ severity, code }] }) as OperationOutcome;
  it.each<[string, OperationOutcome, number]>([
    ['badRequest', badRequest('x'), 400],
    ['notFound', notFound, 404],
    ['gone', gone, 410],
    ['preconditionFailed', preconditionFailed, 412],
    ['multipleMatches', multipleMatches, 412],
    ['conflict', conflict('x'), 409],
    ['forbidden', forbidden, 403],
    ['notAcceptable', notAcceptable('x'), 406],
    ['unsupportedMediaType', unsupportedMediaTypeOutcome('x'), 415],
    ['issue code deleted', issue('deleted'), 410],
    ['issue code login', issue('login'), 401],
    ['issue code business-rule', issue('business-rule'), 422],
    ['issue code exception', issue('exception'), 500],
    ['issue code structure', issue('structure'), 400],
    ['only a warning', issue('not-supported', 'warning'), 200],
  ])('%s → %i', (_name, outcome, status) => {
    expect(httpStatusOf(outcome)).toBe(status);
  });
});

describe('ETags', () => {
  it.each([
    ['W/"3"', '3'],
    ['"3"', '3'],
    ['3', '3'],
    [' W/"12" ', '12'],
  ])('If-Match %s names version %s', (header, version) => {
    expect(versionFromIfMatch(header)).toBe(version);
  });

  it.each(['W/', '', 'W/"1 2"', '*'])('If-Match %j is a 400', (header) => {
    expect(statusOfThrow(() => versionFromIfMatch(header))).toBe(400);
  });

  it('writes weak ETags', () => {
    expect(weakEtag('7')).toBe('W/"7"');
  });
});

describe('parsePrefer', () => {
  it.each([
    [undefined, {}],
    ['return=minimal', { return: 'minimal' }],
    ['return=representation', { return: 'representation' }],
    ['return=OperationOutcome', { return: 'OperationOutcome' }],
    ['handling=strict, return=minimal', { handling: 'strict', return: 'minimal' }],
    ['respond-async; handling=lenient', { handling: 'lenient' }],
    ['return=everything', {}],
  ])('%j', (header, expected) => {
    expect(parsePrefer(header)).toEqual(expected);
  });
});

describe('content negotiation', () => {
  it.each<[string | undefined, string | undefined, number | 'ok']>([
    [undefined, undefined, 'ok'],
    ['application/fhir+json', undefined, 'ok'],
    ['application/json', undefined, 'ok'],
    ['application/fhir+json;fhirVersion=4.0', undefined, 'ok'],
    ['text/html,application/xhtml+xml,*/*;q=0.8', undefined, 'ok'],
    ['application/fhir+xml', undefined, 406],
    ['application/fhir+json;q=0, application/xml', undefined, 406],
    ['application/fhir+xml', 'json', 'ok'],
    [undefined, 'application/fhir+json', 'ok'],
    [undefined, 'xml', 406],
    ['application/fhir+json', 'turtle', 406],
  ])('Accept %j, _format %j', (accept, format, expected) => {
    expect(statusOfThrow(() => assertAcceptsFhirJson(accept, format))).toBe(expected);
  });

  it.each<[string | undefined, BodyKind, number | 'ok']>([
    ['application/fhir+json', 'resource', 'ok'],
    ['application/fhir+json; charset=utf-8', 'resource', 'ok'],
    ['application/json', 'resource', 'ok'],
    ['application/xml', 'resource', 415],
    [undefined, 'resource', 415],
    ['application/json-patch+json', 'json-patch', 'ok'],
    ['application/fhir+json', 'json-patch', 415],
    ['application/x-www-form-urlencoded', 'form', 'ok'],
  ])('Content-Type %j for a %s body', (type, kind, expected) => {
    expect(statusOfThrow(() => assertBodyContentType(type, kind))).toBe(expected);
  });
});
