import { Injectable } from '@nestjs/common';
import { allOk, badRequest, Operation, OperationOutcomeError } from '@medplum/core';
import type { Resource } from '@medplum/fhirtypes';
import { informational, InteractionResult, notFoundOutcome, parseQueryString, versionResult } from '@liaison/fhir-store';
import { isFhirResourceType } from '@liaison/fhir-search';
import { scopesAllow } from '@liaison/smart-scopes';
import type { EntityManager } from 'typeorm';
import { assertScope, type Principal } from '../../auth';
import { FhirSearchService } from '../search/fhir-search.service';
import { FhirStore } from '../store/fhir-store';

/** Query parameters that shape a response rather than select resources. */
const FORMAT_PARAMETERS = ['_format', '_pretty'];

function withoutFormatParameters(query: Record<string, string[]>): Record<string, string[]> {
  const rest = { ...query };
  for (const name of FORMAT_PARAMETERS) delete rest[name];
  return rest;
}

function assertServed(resourceType: string): void {
  if (!isFhirResourceType(resourceType)) {
    throw new OperationOutcomeError(notFoundOutcome(`Resource type ${resourceType} is not served here`));
  }
}

function assertBodyIs(body: unknown, resourceType: string): asserts body is Resource {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw new OperationOutcomeError(badRequest('The body must be a FHIR resource (a JSON object)'));
  }
  const type = (body as Resource).resourceType;
  if (type !== resourceType) {
    throw new OperationOutcomeError(badRequest(`The body is a ${String(type)}, the URL says ${resourceType}`, `${String(type)}.resourceType`));
  }
}

/**
 * The FHIR interactions (R4 RESTful API), each as one method taking the caller's transaction:
 * the REST controller runs one per request, a batch or transaction Bundle several. Each
 * checks the caller's SMART scope, the request's shape, and calls the store or the search.
 */
/**
 * Checks that `principal` may search `resourceType`; returns which types it may read, since
 * included resources are read too and only those of readable types are returned.
 */
function searchAllowed(principal: Principal, resourceType: string): (type: string) => boolean {
  assertServed(resourceType);
  assertScope(principal, resourceType, 's');
  return (type) => scopesAllow(principal.scopes, type, 'r');
}

@Injectable()
export class FhirInteractions {
  constructor(
    private readonly store: FhirStore,
    private readonly search: FhirSearchService,
  ) {}

  async read(tx: EntityManager, principal: Principal, resourceType: string, id: string): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'r');
    const version = await this.store.readVersion(tx, principal.tenantId, resourceType, id);
    return versionResult(200, version.content);
  }

  async vread(tx: EntityManager, principal: Principal, resourceType: string, id: string, versionId: string): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'r');
    const version = await this.store.vread(tx, principal.tenantId, resourceType, id, versionId);
    return versionResult(200, version.content);
  }

  async create(tx: EntityManager, principal: Principal, resourceType: string, body: unknown, ifNoneExist?: string): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'c');
    assertBodyIs(body, resourceType);
    const condition = ifNoneExist ? withoutFormatParameters(parseQueryString(ifNoneExist.replace(/^.*\?/, ''))) : undefined;
    if (condition && Object.keys(condition).length === 0) {
      throw new OperationOutcomeError(badRequest('If-None-Exist needs search parameters, e.g. identifier=system|value'));
    }
    const stored = await this.store.create(tx, principal, body, { ifNoneExist: condition });
    return versionResult(stored.outcome === 'created' ? 201 : 200, stored.resource, { write: true, warnings: stored.warnings });
  }

  async update(tx: EntityManager, principal: Principal, resourceType: string, id: string, body: unknown, ifMatch?: string): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'u');
    assertBodyIs(body, resourceType);
    if (body.id === undefined) throw new OperationOutcomeError(badRequest('An update needs the id in the body', `${resourceType}.id`));
    if (body.id !== id) throw new OperationOutcomeError(badRequest(`The body has id ${body.id}, the URL ${id}`, `${resourceType}.id`));
    const stored = await this.store.update(tx, principal, body, { ifMatch });
    return versionResult(stored.outcome === 'created' ? 201 : 200, stored.resource, { write: true, warnings: stored.warnings });
  }

  async conditionalUpdate(
    tx: EntityManager,
    principal: Principal,
    resourceType: string,
    query: Record<string, string[]>,
    body: unknown,
    ifMatch?: string,
  ): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'u');
    assertBodyIs(body, resourceType);
    const condition = this.condition(query);
    const stored = await this.store.conditionalUpdate(tx, principal, body, condition, { ifMatch });
    return versionResult(stored.outcome === 'created' ? 201 : 200, stored.resource, { write: true, warnings: stored.warnings });
  }

  async patch(tx: EntityManager, principal: Principal, resourceType: string, id: string, operations: Operation[], ifMatch?: string): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'u');
    const stored = await this.store.patch(tx, principal, resourceType, id, operations, { ifMatch });
    return versionResult(200, stored.resource, { write: true, warnings: stored.warnings });
  }

  async conditionalPatch(
    tx: EntityManager,
    principal: Principal,
    resourceType: string,
    query: Record<string, string[]>,
    operations: Operation[],
    ifMatch?: string,
  ): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'u');
    const id = await this.store.findOne(tx, principal.tenantId, resourceType, this.condition(query));
    if (!id) throw new OperationOutcomeError(notFoundOutcome(`No ${resourceType} matches the condition`));
    return this.patch(tx, principal, resourceType, id, operations, ifMatch);
  }

  async delete(tx: EntityManager, principal: Principal, resourceType: string, id: string, ifMatch?: string): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'd');
    const deleted = await this.store.delete(tx, principal, resourceType, id, { ifMatch });
    return {
      status: 200,
      outcome: informational(deleted.outcome === 'deleted' ? `Deleted ${resourceType}/${id}` : `${resourceType}/${id} was already deleted`),
      versionId: deleted.versionId,
      write: true,
    };
  }

  async conditionalDelete(tx: EntityManager, principal: Principal, resourceType: string, query: Record<string, string[]>): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'd');
    const deleted = await this.store.conditionalDelete(tx, principal, resourceType, this.condition(query));
    return {
      status: 200,
      outcome: informational(deleted.outcome === 'deleted' ? `Deleted the ${resourceType} that matched` : `No ${resourceType} matched; nothing deleted`),
      write: true,
    };
  }

  async searchType(
    tx: EntityManager,
    principal: Principal,
    resourceType: string,
    query: Record<string, string[]>,
    options: { baseUrl: string; strictHandling: boolean },
  ): Promise<InteractionResult> {
    const mayRead = searchAllowed(principal, resourceType);
    const bundle = await this.search.search(tx, principal.tenantId, resourceType, withoutFormatParameters(query), { ...options, mayRead });
    return { status: 200, resource: bundle };
  }

  /** `searchType` answered as the Bundle's JSON text (a REST response body), stored resources spliced in unparsed. */
  async searchTypeJson(
    tx: EntityManager,
    principal: Principal,
    resourceType: string,
    query: Record<string, string[]>,
    options: { baseUrl: string; strictHandling: boolean },
  ): Promise<string> {
    const mayRead = searchAllowed(principal, resourceType);
    return this.search.searchJson(tx, principal.tenantId, resourceType, withoutFormatParameters(query), { ...options, mayRead });
  }

  async history(
    tx: EntityManager,
    principal: Principal,
    resourceType: string,
    id: string | undefined,
    query: Record<string, string[]>,
    baseUrl: string,
  ): Promise<InteractionResult> {
    assertServed(resourceType);
    assertScope(principal, resourceType, 'r');
    const count = query._count?.[0] !== undefined ? Number(query._count[0]) : 100;
    if (!Number.isInteger(count) || count < 1) throw new OperationOutcomeError(badRequest('_count must be a positive whole number', '_count'));
    const since = query._since?.[0];
    if (since !== undefined && Number.isNaN(Date.parse(since))) throw new OperationOutcomeError(badRequest('_since must be an instant', '_since'));
    const path = id ? `${baseUrl}/${resourceType}/${id}/_history` : `${baseUrl}/${resourceType}/_history`;
    const pageUrl = (cursor: string | undefined): string => {
      const params = new URLSearchParams({ _count: String(count) });
      if (since) params.set('_since', since);
      if (cursor) params.set('_cursor', cursor);
      return `${path}?${params.toString()}`;
    };
    const bundle = await this.store.history(tx, principal.tenantId, resourceType, id, {
      baseUrl,
      count,
      since: since && new Date(since).toISOString(),
      cursor: query._cursor?.[0],
      pageUrl,
    });
    return { status: 200, resource: bundle };
  }

  /** `$validate`: validates the body against base R4 and the profiles it names; stores nothing. */
  validate(principal: Principal, resourceType: string, body: unknown): InteractionResult {
    if (resourceType !== 'Bundle') assertServed(resourceType);
    const resource = isParameters(body) ? body.parameter?.find((p) => p.name === 'resource')?.resource : body;
    assertBodyIs(resource, resourceType);
    const warnings = this.store.validate(resource);
    return { status: 200, outcome: warnings.length ? { resourceType: 'OperationOutcome', issue: [...warnings] } : allOk };
  }

  private condition(query: Record<string, string[]>): Record<string, string[]> {
    const condition = withoutFormatParameters(query);
    if (Object.keys(condition).length === 0) {
      throw new OperationOutcomeError(badRequest('A conditional interaction needs search parameters'));
    }
    return condition;
  }
}

function isParameters(body: unknown): body is { resourceType: 'Parameters'; parameter?: { name: string; resource?: Resource }[] } {
  return !!body && typeof body === 'object' && (body as Resource).resourceType === 'Parameters';
}
