import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { badRequest, Operation, OperationOutcomeError } from '@medplum/core';
import type { Bundle, OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import {
  applyJsonPatch,
  conflictOutcome,
  goneOutcome,
  hasIdentifier,
  historyBundle,
  identifierCondition,
  IdentifierKey,
  notFoundOutcome,
  preconditionFailedOutcome,
  ResourceVersion,
  stampVersion,
  uniqueIdentifierKeys,
  versionFromIfMatch,
} from '@liaison/fhir-store';
import { isFhirResourceType } from '@liaison/fhir-search';
import { validateFhirResource } from '@liaison/fhir-validation';
import type { EntityManager } from 'typeorm';
import type { Principal } from '../../auth';
import { FhirDefinitionsService } from '../definitions/fhir-definitions.service';
import { FhirSearchService } from '../search/fhir-search.service';
import { SearchIndexer } from '../search/search-indexer';
import { CurrentRow, FhirResourceRepository, HistoryCursor, VersionToWrite } from './fhir-resource.repository';
import { CLOCK, Clock } from '../../platform/clock/clock';
import { UniqueIdentifierRepository } from './unique-identifier.repository';
import { ChangeFeed } from './change-feed.service';
import { CteStatement } from '../../platform/database/cte-statement';
import { PreparedQueries } from '../../platform/database/prepared-query';
import { outboxEntriesOf } from '@liaison/subscriptions';
import { assertWorkflowRules, WriteReactions } from './write-steps';

/** What a write did. `matched`: a conditional create found the resource and wrote nothing. */
export type WriteOutcome = 'created' | 'updated' | 'matched';

export interface StoredResource<T extends Resource = Resource> {
  readonly resource: T;
  readonly outcome: WriteOutcome;
  /** Validation warnings (e.g. a profile we do not have), for `Prefer: return=OperationOutcome`. */
  readonly warnings: readonly OperationOutcomeIssue[];
}

export interface DeleteResult {
  /** `deleted`: a new, deleted version was written; `absent`: nothing to delete. */
  readonly outcome: 'deleted' | 'absent';
  readonly versionId?: string;
  readonly lastUpdated?: string;
}

export interface CreateOptions {
  /** `If-None-Exist`: create only when nothing matches. */
  readonly ifNoneExist?: Record<string, string[]>;
  /** An id chosen beforehand (a transaction resolves references to it before writing). */
  readonly id?: string;
}

export interface UpdateOptions {
  /** `If-Match`: the version the caller last saw (`W/"3"`). */
  readonly ifMatch?: string;
}

export interface HistoryRequest {
  readonly baseUrl: string;
  readonly count: number;
  readonly since?: string;
  readonly cursor?: string;
  /** Builds the URL of a page from its cursor (self when undefined). */
  readonly pageUrl: (cursor: string | undefined) => string;
}

/** A change the store committed to the caller's transaction; the input of audit and outbox. */
export interface ResourceChange {
  readonly interaction: 'create' | 'update' | 'delete';
  readonly resourceType: string;
  readonly id: string;
  readonly versionId: string;
  readonly resource?: Resource;
  readonly previous?: Resource;
}

const MAX_HISTORY_COUNT = 1000;

/** A write of several resources failed on one of them: which one (its index in the input). */
export class ItemError extends OperationOutcomeError {
  constructor(
    outcome: OperationOutcomeError['outcome'],
    readonly itemIndex: number,
  ) {
    super(outcome);
  }
}

/**
 * The one write path for FHIR resources, whichever door a change comes through (FHIR REST,
 * HL7 ingest, GraphQL, jobs). Every write runs, in the caller's transaction:
 * validate → workflow rules (`assertWorkflowRules`) → version → claim unique identifiers →
 * persist (current + history) → index for search → record the change (audit and outbox) →
 * react (`WriteReactions`, what follows the change in the same transaction).
 * Reads take the tenant and answer 404/410 as OperationOutcomeErrors.
 */
@Injectable()
export class FhirStore {
  constructor(
    private readonly definitions: FhirDefinitionsService,
    private readonly resources: FhirResourceRepository,
    private readonly identifiers: UniqueIdentifierRepository,
    private readonly indexer: SearchIndexer,
    private readonly search: FhirSearchService,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly feed: ChangeFeed,
  ) {}

  private reactions: WriteReactions | undefined;
  private readonly prepared = new PreparedQueries();

  /** Sets the `react` step (once, at start-up: CoordinationModule). */
  useReactions(reactions: WriteReactions): void {
    this.reactions = reactions;
  }

  /** Validates without writing: the warnings, or an OperationOutcomeError listing every problem. */
  validate(resource: Resource): OperationOutcomeIssue[] {
    return validateFhirResource(resource, this.definitions.validation);
  }

  async create<T extends Resource>(tx: EntityManager, principal: Principal, resource: T, options: CreateOptions = {}): Promise<StoredResource<T>> {
    assertServedType(resource.resourceType);
    const warnings = this.validate(resource);
    assertWorkflowRules(resource, undefined);
    const id = options.id ?? randomUUID();
    if (options.ifNoneExist) {
      const existing = await this.matchForCreate(tx, principal.tenantId, resource, options.ifNoneExist, id);
      if (existing) return { resource: (await this.read(tx, principal.tenantId, resource.resourceType, existing)) as T, outcome: 'matched', warnings };
    }
    const stored = stampVersion(resource, id, 1, this.now());
    await this.claimIdentifiers(tx, principal.tenantId, stored);
    const written = await this.insertFirstVersions(tx, principal, [stored]);
    if (!written.has(id)) throw new OperationOutcomeError(conflictOutcome(`${resource.resourceType}/${id} already exists`));
    await this.react(tx, principal, [createdChange(stored)]);
    return { resource: stored, outcome: 'created', warnings };
  }

  /**
   * Creates several resources with ids chosen beforehand, in one statement per table (the
   * POST entries of a transaction). All or nothing: the caller's transaction rolls back on error.
   */
  async createMany(tx: EntityManager, principal: Principal, items: readonly { resource: Resource; id: string }[]): Promise<StoredResource[]> {
    if (items.length === 0) return [];
    const at = this.now();
    const results = items.map(({ resource, id }, index) => {
      try {
        assertServedType(resource.resourceType);
        const warnings = this.validate(resource);
        assertWorkflowRules(resource, undefined);
        return { resource: stampVersion(resource, id, 1, at), outcome: 'created' as const, warnings };
      } catch (error) {
        throw error instanceof OperationOutcomeError ? new ItemError(error.outcome, index) : error;
      }
    });
    await this.claimIdentifiersOfMany(tx, principal.tenantId, results.map((r) => r.resource));
    const written = await this.insertFirstVersions(tx, principal, results.map((r) => r.resource));
    const clash = results.find((r) => !written.has(r.resource.id!));
    if (clash) throw new OperationOutcomeError(conflictOutcome(`${clash.resource.resourceType}/${clash.resource.id} already exists`));
    await this.react(tx, principal, results.map((r) => createdChange(r.resource)));
    return results;
  }

  /** PUT: a new version of `resource.id`, or its first version when it does not exist (create-on-update). */
  async update<T extends Resource>(tx: EntityManager, principal: Principal, resource: T, options: UpdateOptions = {}): Promise<StoredResource<T>> {
    assertServedType(resource.resourceType);
    if (!resource.id) throw new OperationOutcomeError(badRequest('An update needs the resource id', `${resource.resourceType}.id`));
    const warnings = this.validate(resource);
    for (let attempt = 0; ; attempt++) {
      const current = await this.resources.lockCurrent(tx, principal.tenantId, resource.resourceType, resource.id);
      assertIfMatch(options.ifMatch, current);
      if (current) return this.writeNewVersion(tx, principal, resource, current, warnings);
      const stored = stampVersion(resource, resource.id, 1, this.now());
      assertWorkflowRules(stored, undefined);
      await this.claimIdentifiers(tx, principal.tenantId, stored);
      if ((await this.insertFirstVersions(tx, principal, [stored])).has(stored.id!)) {
        await this.react(tx, principal, [createdChange(stored)]);
        return { resource: stored, outcome: 'created', warnings };
      }
      // Created concurrently since we looked: update what is there now.
      if (attempt > 0) throw new OperationOutcomeError(conflictOutcome(`${resource.resourceType}/${resource.id} is being written concurrently`));
    }
  }

  /**
   * New versions of several existing resources (a job's batch), with one statement per step
   * for the whole batch: each item is validated, If-Match-checked and run through the workflow
   * rules as by `update`, then all are written, indexed, recorded and reacted to together. All
   * or nothing: an item that fails throws an ItemError naming it (a missing or deleted
   * resource is a 404: no create-on-update here), and the caller's transaction rolls back.
   */
  async updateMany(tx: EntityManager, principal: Principal, items: readonly { resource: Resource; ifMatch?: string }[]): Promise<StoredResource[]> {
    if (items.length === 0) return [];
    const atItem = <T>(index: number, work: () => T): T => {
      try {
        return work();
      } catch (error) {
        throw error instanceof OperationOutcomeError ? new ItemError(error.outcome, index) : error;
      }
    };
    const warnings = items.map(({ resource }, index) =>
      atItem(index, () => {
        assertServedType(resource.resourceType);
        if (!resource.id) throw new OperationOutcomeError(badRequest('An update needs the resource id', `${resource.resourceType}.id`));
        return this.validate(resource);
      }),
    );
    const keys = items.map(({ resource }) => ({ resourceType: resource.resourceType, id: resource.id as string }));
    if (new Set(keys.map((k) => `${k.resourceType}/${k.id}`)).size !== keys.length) {
      throw new OperationOutcomeError(badRequest('updateMany: a resource is named twice'));
    }
    const currents = await this.resources.lockCurrentMany(tx, principal.tenantId, keys);
    const at = this.now();
    const written = items.map(({ resource, ifMatch }, index) =>
      atItem(index, () => {
        const current = currents.get(`${resource.resourceType}/${resource.id}`);
        if (!current || current.deleted) throw new OperationOutcomeError(notFoundOutcome(`${resource.resourceType}/${resource.id} not found`));
        assertIfMatch(ifMatch, current);
        const stored = stampVersion(resource, resource.id as string, current.versionId + 1, at);
        assertWorkflowRules(stored, current.content);
        return { stored, current };
      }),
    );
    for (const { stored, current } of written) {
      const identifierKeys = uniqueIdentifierKeys(stored);
      if (identifierKeys.length > 0 || uniqueIdentifierKeys(current.content).length > 0) {
        await this.identifiers.release(tx, principal.tenantId, stored.resourceType, stored.id!, identifierKeys);
        await this.claimIdentifiers(tx, principal.tenantId, stored);
      }
    }
    const changes = written.map(({ stored, current }) => ({
      interaction: 'update' as const,
      resourceType: stored.resourceType,
      id: stored.id!,
      versionId: stored.meta!.versionId!,
      resource: stored,
      previous: current.content,
    }));
    await this.writeNewVersions(tx, principal, changes);
    await this.react(tx, principal, changes);
    return written.map(({ stored }, index) => ({ resource: stored, outcome: 'updated' as const, warnings: warnings[index] }));
  }

  /** PATCH with a JSON Patch document, validated like any write. */
  async patch(tx: EntityManager, principal: Principal, resourceType: string, id: string, operations: readonly Operation[], options: UpdateOptions = {}): Promise<StoredResource> {
    assertServedType(resourceType);
    const current = await this.resources.lockCurrent(tx, principal.tenantId, resourceType, id);
    if (!current) throw new OperationOutcomeError(notFoundOutcome(`${resourceType}/${id} not found`));
    if (current.deleted) throw new OperationOutcomeError(goneOutcome(`${resourceType}/${id} was deleted`));
    assertIfMatch(options.ifMatch, current);
    const patched = applyJsonPatch(current.content, operations);
    const warnings = this.validate(patched);
    return this.writeNewVersion(tx, principal, patched, current, warnings);
  }

  async delete(tx: EntityManager, principal: Principal, resourceType: string, id: string, options: UpdateOptions = {}): Promise<DeleteResult> {
    assertServedType(resourceType);
    const current = await this.resources.lockCurrent(tx, principal.tenantId, resourceType, id);
    if (!current) throw new OperationOutcomeError(notFoundOutcome(`${resourceType}/${id} not found`));
    assertIfMatch(options.ifMatch, current);
    if (current.deleted) return { outcome: 'absent' };
    const versionId = current.versionId + 1;
    const at = this.now();
    await this.resources.markDeleted(tx, principal.tenantId, resourceType, id, versionId, at);
    if (uniqueIdentifierKeys(current.content).length > 0) await this.identifiers.release(tx, principal.tenantId, resourceType, id);
    await this.indexer.remove(tx, principal.tenantId, resourceType, id);
    await this.recordAndReact(tx, principal, [{ interaction: 'delete', resourceType, id, versionId: String(versionId), previous: current.content }]);
    return { outcome: 'deleted', versionId: String(versionId), lastUpdated: at };
  }

  /** Conditional update (`PUT Type?query`): 0 matches creates, 1 updates it, more is a 412. */
  async conditionalUpdate<T extends Resource>(
    tx: EntityManager,
    principal: Principal,
    resource: T,
    query: Record<string, string[]>,
    options: UpdateOptions = {},
  ): Promise<StoredResource<T>> {
    assertServedType(resource.resourceType);
    const matched = await this.resolveCondition(tx, principal.tenantId, resource.resourceType, query, resource);
    if (matched && resource.id && resource.id !== matched) {
      throw new OperationOutcomeError(badRequest(`The condition matches ${resource.resourceType}/${matched}, the body says id ${resource.id}`, `${resource.resourceType}.id`));
    }
    return this.update(tx, principal, { ...resource, id: matched ?? resource.id ?? randomUUID() }, options);
  }

  /** Conditional delete (`DELETE Type?query`): 0 matches is a no-op, 1 is deleted, more is a 412. */
  async conditionalDelete(tx: EntityManager, principal: Principal, resourceType: string, query: Record<string, string[]>): Promise<DeleteResult> {
    assertServedType(resourceType);
    const key = identifierCondition(resourceType, query);
    const ids = key ? [await this.identifiers.holder(tx, principal.tenantId, resourceType, key)].filter(isDefined) : await this.search.findIds(tx, principal.tenantId, resourceType, query, 2);
    if (ids.length > 1) throw new OperationOutcomeError(preconditionFailedOutcome(`The condition matches more than one ${resourceType}`));
    if (ids.length === 0) return { outcome: 'absent' };
    return this.delete(tx, principal, resourceType, ids[0]);
  }

  /**
   * The one resource `query` matches (a conditional reference or update), undefined when none;
   * a 412 when several. Identifier conditions on Patient are answered from the unique index.
   */
  async findOne(tx: EntityManager, tenantId: string, resourceType: string, query: Record<string, string[]>): Promise<string | undefined> {
    const key = identifierCondition(resourceType, query);
    if (key) return this.identifiers.holder(tx, tenantId, resourceType, key);
    const ids = await this.search.findIds(tx, tenantId, resourceType, query, 2);
    if (ids.length > 1) throw new OperationOutcomeError(preconditionFailedOutcome(`The condition matches more than one ${resourceType}`));
    return ids[0];
  }

  /**
   * For a conditional create: the id of the resource `query` matches, or undefined when the
   * caller should create `resource` as `newId`. An `identifier=system|value` condition claims the
   * identifier for `newId` right away, so concurrent conditional creates make one resource.
   */
  async matchForCreate(tx: EntityManager, tenantId: string, resource: Resource, query: Record<string, string[]>, newId: string): Promise<string | undefined> {
    const key = identifierCondition(resource.resourceType, query);
    if (key && hasIdentifier(resource, key)) {
      const [clash] = await this.identifiers.claim(tx, tenantId, resource.resourceType, newId, [key]);
      return clash?.ownerId;
    }
    return this.findOne(tx, tenantId, resource.resourceType, query);
  }

  async read(tx: EntityManager, tenantId: string, resourceType: string, id: string): Promise<Resource> {
    return (await this.readVersion(tx, tenantId, resourceType, id)).content;
  }

  /** The current version with its bookkeeping (for ETag and Last-Modified). */
  async readVersion(tx: EntityManager, tenantId: string, resourceType: string, id: string): Promise<ResourceVersion> {
    assertServedType(resourceType);
    const current = await this.resources.current(tx, tenantId, resourceType, id);
    if (!current) throw new OperationOutcomeError(notFoundOutcome(`${resourceType}/${id} not found`));
    if (current.deleted) throw new OperationOutcomeError(goneOutcome(`${resourceType}/${id} was deleted`));
    return current;
  }

  async vread(tx: EntityManager, tenantId: string, resourceType: string, id: string, versionId: string): Promise<ResourceVersion> {
    assertServedType(resourceType);
    const number = /^[1-9]\d{0,8}$/.test(versionId) ? Number(versionId) : undefined;
    const version = number && (await this.resources.version(tx, tenantId, resourceType, id, number));
    if (!version) throw new OperationOutcomeError(notFoundOutcome(`${resourceType}/${id}/_history/${versionId} not found`));
    if (version.deleted) throw new OperationOutcomeError(goneOutcome(`${resourceType}/${id} was deleted in version ${versionId}`));
    return version;
  }

  /** Instance history (`id` given) or type history, newest first, as a `history` Bundle. */
  async history(tx: EntityManager, tenantId: string, resourceType: string, id: string | undefined, request: HistoryRequest): Promise<Bundle> {
    assertServedType(resourceType);
    const count = Math.min(Math.max(request.count, 1), MAX_HISTORY_COUNT);
    const limit = count + 1;
    let versions: ResourceVersion[];
    if (id) {
      const beforeVersion = request.cursor !== undefined ? Number(request.cursor) : undefined;
      if (beforeVersion !== undefined && !Number.isInteger(beforeVersion)) throw new OperationOutcomeError(badRequest('Invalid _cursor'));
      versions = await this.resources.instanceHistory(tx, tenantId, resourceType, id, { limit, since: request.since, beforeVersion });
      if (versions.length === 0 && !request.cursor && !(await this.resources.current(tx, tenantId, resourceType, id))) {
        throw new OperationOutcomeError(notFoundOutcome(`${resourceType}/${id} not found`));
      }
    } else {
      versions = await this.resources.typeHistory(tx, tenantId, resourceType, { limit, since: request.since, after: decodeCursor(request.cursor) });
    }
    const page = versions.slice(0, count);
    const last = page.at(-1);
    const next = versions.length > count && last ? (id ? String(last.versionId) : encodeCursor(last)) : undefined;
    return historyBundle(page, {
      baseUrl: request.baseUrl,
      selfUrl: request.pageUrl(request.cursor),
      nextUrl: next ? request.pageUrl(next) : undefined,
    });
  }

  private async writeNewVersion<T extends Resource>(
    tx: EntityManager,
    principal: Principal,
    resource: T,
    current: CurrentRow,
    warnings: readonly OperationOutcomeIssue[],
  ): Promise<StoredResource<T>> {
    const versionId = current.versionId + 1;
    const stored = stampVersion(resource, resource.id!, versionId, this.now());
    assertWorkflowRules(stored, current.deleted ? undefined : current.content);
    const keys = uniqueIdentifierKeys(stored);
    if (keys.length > 0 || uniqueIdentifierKeys(current.content).length > 0) {
      await this.identifiers.release(tx, principal.tenantId, stored.resourceType, stored.id!, keys);
      await this.claimIdentifiers(tx, principal.tenantId, stored);
    }
    const change: ResourceChange = {
      interaction: current.deleted ? 'create' : 'update',
      resourceType: stored.resourceType,
      id: stored.id!,
      versionId: String(versionId),
      resource: stored,
      previous: current.deleted ? undefined : current.content,
    };
    await this.writeNewVersions(tx, principal, [change]);
    await this.react(tx, principal, [change]);
    return { resource: stored, outcome: current.deleted ? 'created' : 'updated', warnings };
  }

  /** Which resource a condition names for a conditional update; claims a free identifier for the body. */
  private async resolveCondition(tx: EntityManager, tenantId: string, resourceType: string, query: Record<string, string[]>, resource: Resource): Promise<string | undefined> {
    const key = identifierCondition(resourceType, query);
    if (!key || !hasIdentifier(resource, key)) return this.findOne(tx, tenantId, resourceType, query);
    const holder = await this.identifiers.holder(tx, tenantId, resourceType, key);
    if (holder) return holder;
    const newId = resource.id ?? randomUUID();
    const [clash] = await this.identifiers.claim(tx, tenantId, resourceType, newId, [key]);
    return clash?.ownerId ?? (resource.id ? undefined : newId);
  }

  private async claimIdentifiers(tx: EntityManager, tenantId: string, resource: Resource): Promise<void> {
    const keys = uniqueIdentifierKeys(resource);
    if (keys.length === 0) return;
    const clashes = await this.identifiers.claim(tx, tenantId, resource.resourceType, resource.id!, keys);
    if (clashes.length > 0) throw identifierConflict(resource.resourceType, clashes[0], clashes[0].ownerId);
  }

  private async claimIdentifiersOfMany(tx: EntityManager, tenantId: string, resources: readonly Resource[]): Promise<void> {
    const byType = new Map<string, { resourceId: string; key: IdentifierKey }[]>();
    for (const resource of resources) {
      for (const key of uniqueIdentifierKeys(resource)) {
        const claims = byType.get(resource.resourceType) ?? [];
        const twin = claims.find((c) => c.key.system === key.system && c.key.value === key.value);
        if (twin) throw identifierConflict(resource.resourceType, key, twin.resourceId);
        claims.push({ resourceId: resource.id!, key });
        byType.set(resource.resourceType, claims);
      }
    }
    for (const [resourceType, claims] of byType) {
      const [clash] = await this.identifiers.claimMany(tx, tenantId, resourceType, claims);
      if (clash) throw identifierConflict(resourceType, clash, clash.ownerId);
    }
  }

  /**
   * Persist, index and record first versions in one statement (one round trip): the rows, their
   * history, their search index rows and their outbox events. Returns the ids inserted; an id
   * already taken is absent. The index rows and events are gated on some row being inserted,
   * not on each: a single resource whose id is taken writes nothing, but a caller of several
   * must fail the transaction when any id is missing (createMany does), or the taken ones
   * would keep index rows and events.
   */
  private async insertFirstVersions(tx: EntityManager, principal: Principal, resources: readonly Resource[]): Promise<Set<string>> {
    const statement = new CteStatement(principal.tenantId);
    const written = this.resources.addInsert(statement, resources.map(toWrite));
    this.indexer.addNewRows(statement, resources, written);
    this.feed.appendWith(tx, statement, principal.clientId, outboxEntriesOf(resources.map(createdChange), this.now()), written);
    const rows = await statement.run<{ id: string }>(tx, this.prepared, `SELECT id FROM ${written}`);
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Persist, index and record new versions of existing, locked rows in one statement: the
   * rows, their history, their replaced search index rows and their outbox events.
   */
  private async writeNewVersions(tx: EntityManager, principal: Principal, changes: readonly ResourceChange[]): Promise<void> {
    const resources = changes.map((change) => change.resource!);
    const statement = new CteStatement(principal.tenantId);
    this.resources.addNewVersions(statement, resources.map(toWrite));
    this.indexer.addReplacedRows(statement, resources);
    this.feed.appendWith(tx, statement, principal.clientId, outboxEntriesOf(changes, this.now()));
    await statement.run(tx, this.prepared);
  }

  /** The last two steps of every write: record the changes, then let what follows them happen (same transaction). */
  private async recordAndReact(tx: EntityManager, principal: Principal, changes: readonly ResourceChange[]): Promise<void> {
    await this.recordChanges(tx, principal, changes);
    await this.react(tx, principal, changes);
  }

  private async react(tx: EntityManager, principal: Principal, changes: readonly ResourceChange[]): Promise<void> {
    if (this.reactions) await this.reactions.afterWrite(tx, principal, changes);
  }

  /**
   * Records the changes in the same transaction: one outbox row per change to a CarePlan, Task,
   * ServiceRequest, Coverage or Encounter, with the SubscriptionTopics it is an event of
   * (`@liaison/subscriptions`). No change is committed without its event and none is announced
   * without its commit; the events are numbered per tenant after commit (ChangeFeed).
   */
  private async recordChanges(tx: EntityManager, principal: Principal, changes: readonly ResourceChange[]): Promise<void> {
    await this.feed.append(tx, principal.tenantId, principal.clientId, outboxEntriesOf(changes, this.now()));
  }

  private now(): string {
    return this.clock.now().toISOString();
  }
}

function isDefined<T>(value: T | undefined): value is T {
  return value !== undefined;
}

function assertServedType(resourceType: string): void {
  if (!isFhirResourceType(resourceType)) {
    throw new OperationOutcomeError(notFoundOutcome(`Resource type ${resourceType} is not served here`));
  }
}

function assertIfMatch(ifMatch: string | undefined, current: CurrentRow | undefined): void {
  if (ifMatch === undefined) return;
  const expected = versionFromIfMatch(ifMatch);
  if (!current || current.deleted) {
    throw new OperationOutcomeError(preconditionFailedOutcome(`If-Match ${ifMatch}: the resource does not exist`));
  }
  if (expected !== String(current.versionId)) {
    throw new OperationOutcomeError(preconditionFailedOutcome(`If-Match ${ifMatch}: the current version is ${current.versionId}`));
  }
}

function identifierConflict(resourceType: string, key: IdentifierKey, ownerId: string): OperationOutcomeError {
  return new OperationOutcomeError(
    conflictOutcome(`Identifier ${key.system}|${key.value} already belongs to ${resourceType}/${ownerId}`, `${resourceType}.identifier`),
  );
}

function createdChange(resource: Resource): ResourceChange {
  return { interaction: 'create', resourceType: resource.resourceType, id: resource.id!, versionId: '1', resource };
}

function toWrite(resource: Resource): VersionToWrite {
  return {
    resourceType: resource.resourceType,
    id: resource.id!,
    versionId: Number(resource.meta!.versionId),
    lastUpdated: resource.meta!.lastUpdated!,
    json: JSON.stringify(resource),
  };
}

function encodeCursor(version: ResourceVersion): string {
  return Buffer.from(JSON.stringify([version.lastUpdated, version.id, version.versionId])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): HistoryCursor | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [lastUpdated, id, versionId] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string, number];
    if (typeof lastUpdated === 'string' && typeof id === 'string' && Number.isInteger(versionId)) return { lastUpdated, id, versionId };
  } catch {
    // fall through
  }
  throw new OperationOutcomeError(badRequest('Invalid _cursor'));
}
