import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { badRequest, normalizeOperationOutcome, OperationOutcomeError } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import {
  bundleEntryOf,
  BundlePlan,
  collectReferences,
  errorResult,
  InteractionResult,
  isConditionalReference,
  isRejected,
  parseQueryString,
  parseRequestUrl,
  PlannedEntry,
  planBundle,
  Preference,
  preconditionFailedOutcome,
  processingOrder,
  rewriteReferences,
  versionResult,
} from '@liaison/fhir-store';
import type { EntityManager } from 'typeorm';
import { assertScope, type Principal } from '../../auth';
import { FhirInteractions } from '../interactions/fhir-interactions.service';
import { FhirStore, ItemError } from '../store/fhir-store';

export interface BundleOptions {
  /** `${LIAISON_BASE_URL}/fhir/R4`. */
  readonly baseUrl: string;
  readonly prefer: Preference;
}

/** `Patient?b=2&a=1` and `Patient?a=1&b=2` name the same condition. */
function conditionKey(resourceType: string, query: Record<string, string[]>): string {
  const pairs = Object.entries(query).flatMap(([name, values]) => values.map((value): [string, string] => [name, value]));
  pairs.sort(([a, x], [b, y]) => a.localeCompare(b) || x.localeCompare(y));
  return `${resourceType}?${new URLSearchParams(pairs).toString()}`;
}

function conditionOf(ifNoneExist: string): Record<string, string[]> {
  return parseQueryString(ifNoneExist.replace(/^.*\?/, ''));
}

/** Re-points an entry's error at the entry: `Patient.name` becomes `Bundle.entry[2].resource.name`. */
function atEntry(error: unknown, index: number): unknown {
  if (!(error instanceof OperationOutcomeError)) return error;
  const outcome = error.outcome;
  return new OperationOutcomeError({
    ...outcome,
    issue: (outcome.issue ?? []).map((issue) => ({
      ...issue,
      expression: (issue.expression?.length ? issue.expression : ['']).map((path) =>
        path.startsWith('Bundle.') ? path : `Bundle.entry[${index}]${/^[A-Z]/.test(path) ? `.resource${path.replace(/^[A-Za-z]+/, '')}` : path ? `.${path}` : ''}`,
      ),
    })),
  });
}

/**
 * Batch and transaction Bundles (FHIR R4 §3.1.0.11), in the caller's database transaction.
 * A transaction is all or nothing: ids are assigned first, `urn:uuid:` and conditional
 * references rewritten, then entries run in the spec's order (DELETE, POST, PUT/PATCH, GET),
 * creates in one statement per table. A batch runs each entry in a savepoint, so one failing
 * entry leaves the others in place.
 */
/**
 * Subscriptions have their own write path (validation, handshake, webhook secret, delivery
 * state) under /fhir/R4/Subscription; a Bundle may read them but not write them.
 */
function assertWritableInBundle(entry: PlannedEntry): void {
  if (entry.target.resourceType === 'Subscription' && entry.method !== 'GET' && entry.method !== 'HEAD') {
    throw atEntry(
      new OperationOutcomeError(
        badRequest('Subscriptions are created, changed and deleted with /fhir/R4/Subscription, not inside a Bundle', 'Bundle.entry.request'),
      ),
      entry.index,
    );
  }
}

@Injectable()
export class FhirBundleService {
  private readonly logger = new Logger(FhirBundleService.name);

  constructor(
    private readonly interactions: FhirInteractions,
    private readonly store: FhirStore,
  ) {}

  async process(tx: EntityManager, principal: Principal, body: unknown, options: BundleOptions): Promise<Bundle> {
    const plan = planBundle(body as Bundle, options.baseUrl);
    return plan.type === 'transaction' ? this.transaction(tx, principal, plan, options) : this.batch(tx, principal, plan, options);
  }

  private async batch(tx: EntityManager, principal: Principal, plan: BundlePlan, options: BundleOptions): Promise<Bundle> {
    const results: InteractionResult[] = [];
    for (const entry of plan.entries) if (isRejected(entry)) results[entry.index] = errorResult(entry.outcome);
    const planned = plan.entries.filter((entry): entry is PlannedEntry => !isRejected(entry));
    for (const entry of processingOrder(planned)) {
      await tx.query('SAVEPOINT batch_entry');
      try {
        assertWritableInBundle(entry);
        results[entry.index] = await this.execute(tx, principal, entry, options);
        await tx.query('RELEASE SAVEPOINT batch_entry');
      } catch (error) {
        await tx.query('ROLLBACK TO SAVEPOINT batch_entry');
        results[entry.index] = errorResult(this.outcomeOf(error));
      }
    }
    return this.response('batch-response', results, options);
  }

  private async transaction(tx: EntityManager, principal: Principal, plan: BundlePlan, options: BundleOptions): Promise<Bundle> {
    const entries = plan.entries as PlannedEntry[];
    for (const entry of entries) this.assertEntryScope(principal, entry);

    // 1. Identities: what each fullUrl will be called, before anything is written.
    const references = new Map<string, string>();
    const toCreate = new Map<number, string>();
    const matched = new Map<number, string>();
    const putIds = new Map<number, string>();
    const conditions = new Map<string, string>();
    for (const entry of entries) {
      const type = entry.target.resourceType;
      let id: string | undefined;
      if (entry.method === 'POST') {
        const newId = randomUUID();
        let existing: string | undefined;
        if (entry.ifNoneExist) {
          const query = conditionOf(entry.ifNoneExist);
          const key = conditionKey(type, query);
          existing =
            conditions.get(key) ??
            (await this.atEntry(entry.index, () => this.store.matchForCreate(tx, principal.tenantId, entry.resource!, query, newId)));
          conditions.set(key, existing ?? newId);
        }
        if (existing) matched.set(entry.index, existing);
        else toCreate.set(entry.index, newId);
        id = existing ?? newId;
      } else if (entry.method === 'PUT') {
        id = entry.target.id ?? (await this.atEntry(entry.index, () => this.store.findOne(tx, principal.tenantId, type, entry.target.query))) ?? entry.resource?.id ?? randomUUID();
        putIds.set(entry.index, id);
      }
      if (id && entry.fullUrl) references.set(entry.fullUrl, `${type}/${id}`);
    }

    // 2. Conditional references (`Patient?identifier=…`): exactly one match each.
    for (const entry of entries) {
      for (const reference of collectReferences(entry.resource)) {
        if (references.has(reference) || !isConditionalReference(reference)) continue;
        const target = parseRequestUrl(reference, options.baseUrl);
        const sameBundle = conditions.get(conditionKey(target.resourceType, target.query));
        const id = sameBundle ?? (await this.atEntry(entry.index, () => this.store.findOne(tx, principal.tenantId, target.resourceType, target.query)));
        if (!id) {
          throw atEntry(new OperationOutcomeError(preconditionFailedOutcome(`Conditional reference ${reference} matches no resource`)), entry.index);
        }
        references.set(reference, `${target.resourceType}/${id}`);
      }
    }

    // 3. Rewrite references; a urn:uuid that names no entry is an error.
    const resources = new Map<number, Resource>();
    for (const entry of entries) {
      if (!entry.resource) continue;
      const rewritten = rewriteReferences(entry.resource, (reference) => references.get(reference));
      const dangling = [...collectReferences(rewritten)].find((reference) => reference.startsWith('urn:uuid:'));
      if (dangling) throw atEntry(new OperationOutcomeError(badRequest(`Reference ${dangling} names no entry of the transaction`)), entry.index);
      resources.set(entry.index, rewritten);
    }

    // 4. Run, in the spec's order; creates together.
    const results: InteractionResult[] = [];
    const ordered = processingOrder(entries);
    for (const entry of ordered.filter((e) => e.method === 'DELETE')) {
      results[entry.index] = await this.atEntry(entry.index, () => this.execute(tx, principal, entry, options));
    }
    const creates = entries.filter((e) => toCreate.has(e.index));
    const created = await this.atEntries(creates, () =>
      this.store.createMany(tx, principal, creates.map((e) => ({ resource: resources.get(e.index)!, id: toCreate.get(e.index)! }))),
    );
    creates.forEach((entry, i) => {
      results[entry.index] = versionResult(201, created[i].resource, { write: true, warnings: created[i].warnings });
    });
    for (const [index, id] of matched) {
      const entry = entries[index];
      const existing = await this.store.readVersion(tx, principal.tenantId, entry.target.resourceType, id);
      results[index] = versionResult(200, existing.content, { write: true });
    }
    for (const entry of ordered.filter((e) => e.method === 'PUT' || e.method === 'PATCH' || e.method === 'GET' || e.method === 'HEAD')) {
      const resource = resources.get(entry.index);
      const prepared: PlannedEntry =
        entry.method === 'PUT'
          ? { ...entry, target: { ...entry.target, id: putIds.get(entry.index), query: {} }, resource: { ...resource!, id: putIds.get(entry.index) } }
          : entry;
      results[entry.index] = await this.atEntry(entry.index, () => this.execute(tx, principal, prepared, options));
    }
    return this.response('transaction-response', results, options);
  }

  /** One entry as a single interaction (every batch entry; DELETE, PUT, PATCH and GET of a transaction). */
  private execute(tx: EntityManager, principal: Principal, entry: PlannedEntry, options: BundleOptions): Promise<InteractionResult> {
    const { resourceType, id, versionId, history, query } = entry.target;
    switch (entry.method) {
      case 'POST':
        return this.interactions.create(tx, principal, resourceType, entry.resource, entry.ifNoneExist);
      case 'PUT':
        return id
          ? this.interactions.update(tx, principal, resourceType, id, entry.resource, entry.ifMatch)
          : this.interactions.conditionalUpdate(tx, principal, resourceType, query, entry.resource, entry.ifMatch);
      case 'PATCH':
        return this.interactions.patch(tx, principal, resourceType, id!, entry.patch!, entry.ifMatch);
      case 'DELETE':
        return id
          ? this.interactions.delete(tx, principal, resourceType, id, entry.ifMatch)
          : this.interactions.conditionalDelete(tx, principal, resourceType, query);
      default:
        if (id && versionId) return this.interactions.vread(tx, principal, resourceType, id, versionId);
        if (history) return this.interactions.history(tx, principal, resourceType, id, query, options.baseUrl);
        if (id) return this.interactions.read(tx, principal, resourceType, id);
        return this.interactions.searchType(tx, principal, resourceType, query, { baseUrl: options.baseUrl, strictHandling: false });
    }
  }

  private assertEntryScope(principal: Principal, entry: PlannedEntry): void {
    assertWritableInBundle(entry);
    const interaction = { POST: 'c', PUT: 'u', PATCH: 'u', DELETE: 'd', GET: entry.target.id ? 'r' : 's', HEAD: entry.target.id ? 'r' : 's' } as const;
    try {
      assertScope(principal, entry.target.resourceType, interaction[entry.method]);
    } catch (error) {
      throw atEntry(error, entry.index);
    }
  }

  private async atEntry<T>(index: number, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw atEntry(error, index);
    }
  }

  /** Errors of a multi-entry step name the entry they concern. */
  private async atEntries<T>(entries: readonly PlannedEntry[], work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof ItemError && entries[error.itemIndex]) throw atEntry(error, entries[error.itemIndex].index);
      if (entries.length === 1) throw atEntry(error, entries[0].index);
      throw error;
    }
  }

  private outcomeOf(error: unknown): OperationOutcome {
    if (error instanceof OperationOutcomeError) return normalizeOperationOutcome(error);
    const errorId = randomUUID();
    this.logger.error({ errorId, name: (error as Error)?.name, code: (error as { code?: string })?.code }, 'batch entry failed');
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'exception', details: { text: `Internal server error (error id ${errorId})` } }],
    };
  }

  private response(type: 'batch-response' | 'transaction-response', results: InteractionResult[], options: BundleOptions): Bundle {
    const entry: BundleEntry[] = results.map((result) => bundleEntryOf(result, options.prefer, options.baseUrl));
    return { resourceType: 'Bundle', type, entry };
  }
}
