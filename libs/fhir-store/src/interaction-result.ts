import type { BundleEntry, OperationOutcome, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import { statusLine } from './bundle-plan';
import { FHIR_JSON, httpDate, Preference, weakEtag } from './http-semantics';
import { httpStatusOf, informational } from './outcomes';

/**
 * The result of one FHIR interaction, door-neutral: the REST controller turns it into an HTTP
 * response, batch/transaction processing into a response Bundle entry.
 */
export interface InteractionResult {
  readonly status: number;
  /** The resource (or Bundle) the interaction produced or read. */
  readonly resource?: Resource;
  /** An outcome to answer with when there is no resource (delete), or an error. */
  readonly outcome?: OperationOutcome;
  /** `Type/id/_history/n`, relative to the base. */
  readonly location?: string;
  readonly versionId?: string;
  readonly lastUpdated?: string;
  /** Writes honour `Prefer: return=…`. */
  readonly write?: boolean;
  /** Validation warnings of a write. */
  readonly warnings?: readonly OperationOutcomeIssue[];
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** A result for a resource version: status, ETag, Last-Modified and location from its meta. */
export function versionResult(status: number, resource: Resource, extra: Partial<InteractionResult> = {}): InteractionResult {
  const versionId = resource.meta?.versionId;
  return {
    status,
    resource,
    versionId,
    lastUpdated: resource.meta?.lastUpdated,
    location: versionId ? `${resource.resourceType}/${resource.id}/_history/${versionId}` : undefined,
    ...extra,
  };
}

function writeBody(result: InteractionResult, prefer: Preference): unknown {
  switch (prefer.return) {
    case 'minimal':
      return undefined;
    case 'OperationOutcome':
      return result.outcome ?? informational(`${statusLine(result.status)}`, result.warnings ?? []);
    default:
      return result.resource ?? result.outcome;
  }
}

/** The HTTP response for an interaction result (FHIR R4 §3.1.0: headers, Prefer). */
export function httpAnswerOf(result: InteractionResult, prefer: Preference, baseUrl: string): HttpAnswer {
  const headers: Record<string, string> = { 'content-type': `${FHIR_JSON}; charset=utf-8` };
  if (result.versionId) headers.etag = weakEtag(result.versionId);
  if (result.lastUpdated) headers['last-modified'] = httpDate(result.lastUpdated);
  if (result.location) headers[result.status === 201 ? 'location' : 'content-location'] = `${baseUrl}/${result.location}`;
  const body = result.write ? writeBody(result, prefer) : (result.resource ?? result.outcome);
  return { status: result.status, headers, body };
}

/** The response entry of a batch/transaction for an interaction result. */
export function bundleEntryOf(result: InteractionResult, prefer: Preference, fullUrlBase?: string): BundleEntry {
  const body = result.write ? writeBody(result, prefer) : (result.resource ?? undefined);
  const resource = body && (body as Resource).resourceType !== 'OperationOutcome' ? (body as Resource) : undefined;
  const outcome = result.outcome ?? (body && (body as Resource).resourceType === 'OperationOutcome' ? (body as OperationOutcome) : undefined);
  const id = resource?.id;
  return {
    ...(resource && id && fullUrlBase ? { fullUrl: `${fullUrlBase}/${resource.resourceType}/${id}` } : {}),
    ...(resource ? { resource } : {}),
    response: {
      status: statusLine(result.status),
      ...(result.location ? { location: result.location } : {}),
      ...(result.versionId ? { etag: weakEtag(result.versionId) } : {}),
      ...(result.lastUpdated ? { lastModified: result.lastUpdated } : {}),
      ...(outcome ? { outcome } : {}),
    },
  };
}

/** The result for a failed interaction (a batch entry that failed on its own). */
export function errorResult(outcome: OperationOutcome): InteractionResult {
  return { status: httpStatusOf(outcome), outcome };
}
