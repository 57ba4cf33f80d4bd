import { MedplumClient } from '@medplum/core';
import { issueToken } from '../../harness/auth';
import type { TestApp } from '../../harness/test-app';

/** A client in `tenant` with `scopes`: a MedplumClient (a FHIR client we did not write) and raw HTTP. */
export interface FhirTestClient {
  readonly tenantId: string;
  readonly token: string;
  readonly medplum: MedplumClient;
  /** `fetch` on `/fhir/R4` + `path`, with the token and FHIR JSON headers unless overridden. */
  http(path: string, init?: RequestInit): Promise<Response>;
}

export async function fhirClient(service: TestApp, opts: { tenant?: string; scopes?: string[] } = {}): Promise<FhirTestClient> {
  const issued = await issueToken(service, { tenant: opts.tenant, scopes: opts.scopes ?? ['system/*.*'] });
  const medplum = new MedplumClient({
    baseUrl: service.baseUrl,
    fhirUrlPath: 'fhir/R4',
    accessToken: issued.accessToken,
    fetch: (url: string | URL | Request, init?: RequestInit) => fetch(url, init),
  });
  return {
    tenantId: issued.tenantId,
    token: issued.accessToken,
    medplum,
    http: (path, init = {}) =>
      fetch(`${service.baseUrl}/fhir/R4${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${issued.accessToken}`,
          accept: 'application/fhir+json',
          ...(init.body !== undefined ? { 'content-type': 'application/fhir+json' } : {}),
          ...(init.headers as Record<string, string> | undefined),
        },
      }),
  };
}

/** The `expression`s of an OperationOutcome's error issues. */
export function errorExpressions(outcome: { issue?: { severity: string; expression?: string[] }[] }): string[] {
  return (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal').flatMap((i) => i.expression ?? []);
}
