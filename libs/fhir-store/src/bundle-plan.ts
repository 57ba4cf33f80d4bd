import { badRequest, normalizeOperationOutcome, Operation, OperationOutcomeError } from '@medplum/core';
import type { Binary, Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { JSON_PATCH } from './http-semantics';
import { parseJsonPatch } from './json-patch';
import { parseRequestUrl, RequestTarget } from './request-url';

/**
 * Batch and transaction Bundles (FHIR R4 §3.1.0.11) as data: which entry does what, in which
 * order, and how references between entries are rewritten. The store executes the plan.
 */

export type EntryMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface PlannedEntry {
  readonly index: number;
  readonly method: EntryMethod;
  readonly url: string;
  readonly target: RequestTarget;
  readonly fullUrl?: string;
  readonly resource?: Resource;
  /** PATCH only: the JSON Patch carried in a Binary. */
  readonly patch?: Operation[];
  readonly ifMatch?: string;
  readonly ifNoneExist?: string;
}

/** An entry that could not be understood; in a batch it fails alone, in a transaction it fails all. */
export interface RejectedEntry {
  readonly index: number;
  readonly outcome: OperationOutcome;
}

export interface BundlePlan {
  readonly type: 'batch' | 'transaction';
  readonly entries: readonly (PlannedEntry | RejectedEntry)[];
}

const METHODS = new Set<string>(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);

export function isRejected(entry: PlannedEntry | RejectedEntry): entry is RejectedEntry {
  return 'outcome' in entry;
}

function fail(index: number, text: string, field: string): never {
  throw new OperationOutcomeError(badRequest(text, `Bundle.entry[${index}].${field}`));
}

function patchFromBinary(index: number, resource: Resource | undefined): Operation[] {
  const binary = resource as Binary | undefined;
  if (binary?.resourceType !== 'Binary' || binary.contentType !== JSON_PATCH || !binary.data) {
    fail(index, `A PATCH entry carries a Binary with contentType ${JSON_PATCH} and base64 data`, 'resource');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(binary.data, 'base64').toString('utf8'));
  } catch {
    fail(index, 'The JSON Patch in this entry is not valid JSON', 'resource.data');
  }
  return parseJsonPatch(parsed);
}

function planEntry(entry: BundleEntry, index: number, baseUrl: string): PlannedEntry {
  const request = entry.request;
  if (!request?.method || !METHODS.has(request.method)) {
    fail(index, 'Each entry needs request.method (GET, HEAD, POST, PUT, PATCH or DELETE)', 'request.method');
  }
  if (!request.url) fail(index, 'Each entry needs request.url', 'request.url');
  const method = request.method as EntryMethod;
  const target = parseRequestUrl(request.url, baseUrl);
  const base = { index, method, url: request.url, target, fullUrl: entry.fullUrl };
  switch (method) {
    case 'POST':
      if (target.id || target.history || target.operation) fail(index, 'POST takes a type URL such as Patient', 'request.url');
      if (!entry.resource) fail(index, 'POST needs a resource', 'resource');
      if (entry.resource.resourceType !== target.resourceType) {
        fail(index, `The resource is a ${entry.resource.resourceType}, the URL says ${target.resourceType}`, 'resource.resourceType');
      }
      return { ...base, resource: entry.resource, ifNoneExist: request.ifNoneExist };
    case 'PUT':
      if (target.history || target.operation || target.versionId) fail(index, 'PUT takes Type/id or Type?condition', 'request.url');
      if (!entry.resource) fail(index, 'PUT needs a resource', 'resource');
      if (entry.resource.resourceType !== target.resourceType) {
        fail(index, `The resource is a ${entry.resource.resourceType}, the URL says ${target.resourceType}`, 'resource.resourceType');
      }
      if (!target.id && Object.keys(target.query).length === 0) fail(index, 'PUT takes Type/id or Type?condition', 'request.url');
      return { ...base, resource: entry.resource, ifMatch: request.ifMatch };
    case 'PATCH':
      if (!target.id || target.history || target.operation || target.versionId) fail(index, 'PATCH takes Type/id', 'request.url');
      return { ...base, patch: patchFromBinary(index, entry.resource), ifMatch: request.ifMatch };
    case 'DELETE':
      if (target.history || target.operation || target.versionId) fail(index, 'DELETE takes Type/id or Type?condition', 'request.url');
      if (!target.id && Object.keys(target.query).length === 0) fail(index, 'DELETE takes Type/id or Type?condition', 'request.url');
      return { ...base, ifMatch: request.ifMatch };
    default:
      if (target.operation) fail(index, `Operation $${target.operation} is not supported in a Bundle`, 'request.url');
      return base;
  }
}

/**
 * Plans a batch or transaction Bundle. Structural problems with the Bundle itself are a 400;
 * an entry that cannot be understood is rejected on its own (the caller fails the whole
 * transaction, or only that batch entry).
 */
export function planBundle(bundle: Bundle, baseUrl: string): BundlePlan {
  if (bundle?.resourceType !== 'Bundle') {
    throw new OperationOutcomeError(badRequest('POST to the base URL takes a Bundle', 'Bundle'));
  }
  if (bundle.type !== 'batch' && bundle.type !== 'transaction') {
    throw new OperationOutcomeError(badRequest(`Bundle.type must be batch or transaction, not ${bundle.type}`, 'Bundle.type'));
  }
  const entries = (bundle.entry ?? []).map((entry, index): PlannedEntry | RejectedEntry => {
    try {
      return planEntry(entry, index, baseUrl);
    } catch (error) {
      return { index, outcome: normalizeOperationOutcome(error) };
    }
  });
  const plan: BundlePlan = { type: bundle.type, entries };
  if (bundle.type === 'transaction') assertTransactionIsCoherent(plan);
  return plan;
}

function assertTransactionIsCoherent(plan: BundlePlan): void {
  const rejected = plan.entries.find(isRejected);
  if (rejected) throw new OperationOutcomeError(rejected.outcome);
  const fullUrls = new Set<string>();
  const written = new Set<string>();
  for (const entry of plan.entries as PlannedEntry[]) {
    if (entry.fullUrl) {
      if (fullUrls.has(entry.fullUrl)) {
        fail(entry.index, `fullUrl ${entry.fullUrl} appears twice in the transaction`, 'fullUrl');
      }
      fullUrls.add(entry.fullUrl);
    }
    if (entry.method === 'GET' || entry.method === 'HEAD' || entry.method === 'POST' || !entry.target.id) continue;
    const key = `${entry.target.resourceType}/${entry.target.id}`;
    if (written.has(key)) fail(entry.index, `${key} is written by more than one entry of the transaction`, 'request.url');
    written.add(key);
  }
}

const ORDER: Readonly<Record<EntryMethod, number>> = { DELETE: 0, POST: 1, PUT: 2, PATCH: 2, GET: 3, HEAD: 3 };

/** Processing order per FHIR R4 §3.1.0.11.2: DELETE, POST, PUT/PATCH, then GET/HEAD; stable. */
export function processingOrder<T extends { readonly index: number; readonly method: EntryMethod }>(entries: readonly T[]): T[] {
  return [...entries].sort((a, b) => ORDER[a.method] - ORDER[b.method] || a.index - b.index);
}

/** `Patient?identifier=…`: a conditional reference, resolved by search before the writes. */
export function isConditionalReference(reference: string): boolean {
  return /^[A-Z][A-Za-z]+\?./.test(reference);
}

/** Every `Reference.reference` string in a resource (contained resources included). */
export function collectReferences(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) collectReferences(item, into);
  } else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      if (key === 'reference' && typeof child === 'string') into.add(child);
      else if (typeof child === 'object') collectReferences(child, into);
    }
  }
  return into;
}

/**
 * A copy of `resource` whose `reference` strings are replaced where `resolve` knows them
 * (`urn:uuid:…` fullUrls of other entries, conditional references). Other values are shared.
 */
export function rewriteReferences<T>(value: T, resolve: (reference: string) => string | undefined): T {
  if (Array.isArray(value)) {
    let changed = false;
    const next = value.map((item) => {
      const rewritten = rewriteReferences(item, resolve);
      changed ||= rewritten !== item;
      return rewritten;
    });
    return (changed ? next : value) as T;
  }
  if (value && typeof value === 'object') {
    let copy: Record<string, unknown> | undefined;
    for (const [key, child] of Object.entries(value)) {
      let next: unknown = child;
      if (key === 'reference' && typeof child === 'string') next = resolve(child) ?? child;
      else if (child && typeof child === 'object') next = rewriteReferences(child, resolve);
      if (next !== child) {
        copy ??= { ...(value as Record<string, unknown>) };
        copy[key] = next;
      }
    }
    return (copy ?? value) as T;
  }
  return value;
}

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  304: 'Not Modified',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  500: 'Internal Server Error',
};

/** `201 Created`: the status line Bundle.entry.response.status carries. */
export function statusLine(status: number): string {
  return `${status} ${REASONS[status] ?? ''}`.trim();
}
