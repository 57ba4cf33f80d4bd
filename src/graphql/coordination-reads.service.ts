import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { badRequest, OperationOutcomeError } from '@medplum/core';
import type { Bundle, Patient, Resource, ServiceRequest, Task } from '@medplum/fhirtypes';
import { timelineEntry } from '@liaison/care-views';
import { assertDueInstant, parseOwnerReference, taskUrgency } from '@liaison/task-workflow';
import { DataSource } from 'typeorm';
import { assertScope, type Principal } from '../auth';
import {
  FhirReadService,
  FhirSearchService,
  FhirStore,
  TaskWorklistService,
  type ReferencePath,
  type WorklistCriteria,
  type WorklistOrder,
  type WorklistPageIncludes,
} from '../fhir';
import { CLOCK, Clock } from '../platform/clock/clock';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { inTenant } from '../platform/database/tenant-scope';
import { TimelineActionValue } from './types/enums.type';
import { patientObject, PatientObject } from './types/patient.type';
import type { TimelineEntryObject } from './types/timeline.type';
import { ReadSession } from './read-session';
import { TenantReads, ViewLoaders } from './view.loaders';
import { decodeWorklistCursor, encodeWorklistCursor } from './worklist-cursor';

/** What a worklist shows when the filter names no status: open work, not future reminders. */
export const DEFAULT_WORKLIST_STATUSES = ['requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'];
export const MAX_PAGE_SIZE = 100;
const MAX_TIMELINE = 500;

/** Resources that are "about" a patient, for the timeline: type and the reference parameter to the Patient. */
const PATIENT_PATHS: readonly ReferencePath[] = [
  { resourceType: 'Encounter', param: 'subject' },
  { resourceType: 'CarePlan', param: 'subject' },
  { resourceType: 'Task', param: 'patient' },
  { resourceType: 'ServiceRequest', param: 'subject' },
  { resourceType: 'Coverage', param: 'beneficiary' },
];

/** How the `coverage` of a Task's patient is found (as TaskResolver.coverage asks the loaders). */
const PATIENT_COVERAGE: ReferencePath = { resourceType: 'Coverage', param: 'beneficiary' };

/** How one request reads: its tenant transaction(s) and its DataLoaders. */
interface RequestScope {
  readonly reads: TenantReads;
  readonly session?: ReadSession;
  readonly loaders: ViewLoaders;
}

export interface WorklistRequest {
  readonly owner?: string;
  readonly statuses?: readonly string[];
  readonly codes?: readonly string[];
  readonly priorities?: readonly string[];
  readonly patientId?: string;
  readonly dueBefore?: string;
  readonly dueAfter?: string;
  readonly overdue?: boolean;
  readonly order: WorklistOrder;
  readonly first: number;
  readonly after?: string;
  /** The result shows each Task's patient: read them with the page (one statement, not two). */
  readonly withPatients?: boolean;
  /** The result shows each Task's patient's coverage: read it with the page. */
  readonly withCoverage?: boolean;
}

export interface WorklistPage {
  readonly rows: readonly { task: Task; cursor: string }[];
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  readonly count: () => Promise<number>;
}

export interface SearchPage<T extends Resource> {
  readonly resources: readonly T[];
  readonly nextCursor?: string;
  readonly total?: number;
}

function pageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw new OperationOutcomeError(badRequest(`first must be between 1 and ${MAX_PAGE_SIZE}`, 'first'));
  }
  return first;
}

function idArgument(id: string, expression: string): string {
  if (!/^[A-Za-z0-9\-.]{1,64}$/.test(id)) throw new OperationOutcomeError(badRequest(`"${id}" is not a resource id`, expression));
  return id;
}

/** The `_cursor` of a search Bundle's next link. */
function nextCursorOf(bundle: Bundle): string | undefined {
  const next = bundle.link?.find((link) => link.relation === 'next')?.url;
  return next ? (new URL(next).searchParams.get('_cursor') ?? undefined) : undefined;
}

/**
 * The read side of the GraphQL API: worklists, single resources, patient views, referrals and
 * patient search, each inside a tenant transaction of the caller (row-level security applies).
 * Reads go through the FHIR module's services (FhirStore, FhirSearchService, the worklist index
 * and batched reads); nothing here knows a table.
 */
@Injectable()
export class CoordinationReadsService {
  private readonly scopes = new WeakMap<object, RequestScope>();
  /** Resource types each principal was found allowed to read (its scopes are checked once per type, not per field). */
  private readonly readable = new WeakMap<Principal, Set<string>>();
  private readonly fhirBase: string;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly store: FhirStore,
    private readonly search: FhirSearchService,
    private readonly worklists: TaskWorklistService,
    private readonly reads: FhirReadService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LIAISON_CONFIG) config: LiaisonConfig,
  ) {
    this.fhirBase = `${config.baseUrl}/fhir/R4`;
  }

  nowMs(): number {
    return this.clock.now().getTime();
  }

  /**
   * How one request (one GraphQL context object) reads, made on first use: over HTTP, one
   * ReadSession (a tenant transaction for all its reads, committed when the response is done)
   * and DataLoaders that cache for the request; for a subscription (a long-lived WebSocket
   * context), a tenant transaction per read and loaders without a cache, so each event sees
   * fresh data.
   */
  private scope(context: object, principal: Principal): RequestScope {
    let scope = this.scopes.get(context);
    if (!scope) {
      const response = (context as { reply?: { raw?: { once?: (event: 'close', listener: () => void) => unknown } } }).reply?.raw;
      let reads: TenantReads;
      let session: ReadSession | undefined;
      if (response?.once) {
        const opened = new ReadSession(this.db, principal.tenantId);
        response.once('close', () => void opened.close());
        reads = (work) => opened.run(work);
        session = opened;
      } else {
        reads = (work) => inTenant(this.db, principal.tenantId, work);
      }
      scope = { reads, session, loaders: new ViewLoaders(this.reads, principal.tenantId, reads, !!response?.once) };
      this.scopes.set(context, scope);
    }
    return scope;
  }

  /** Before a mutation writes: the request's reads give their connection back (see ReadSession.release). */
  async releaseReads(context: object): Promise<void> {
    await this.scopes.get(context)?.session?.release();
  }

  /** The DataLoaders of the request. */
  loaders(context: object, principal: Principal): ViewLoaders {
    return this.scope(context, principal).loaders;
  }

  /** A resource another one references, through the request's loaders; needs read scope on its type. */
  async byId<T extends Resource>(context: object, principal: Principal, resourceType: T['resourceType'], id: string | undefined): Promise<T | undefined> {
    if (!id) return undefined;
    this.assertReadable(principal, resourceType);
    return this.loaders(context, principal).resource<T>(resourceType, id);
  }

  /** The `sourceType` resources whose `param` references `targetType/targetId`; needs read scope on `sourceType`. */
  async referencing<T extends Resource>(
    context: object,
    principal: Principal,
    sourceType: T['resourceType'],
    param: string,
    targetType: string,
    targetId: string,
  ): Promise<T[]> {
    this.assertReadable(principal, sourceType);
    return this.loaders(context, principal).referencing<T>(sourceType, param, targetType, targetId);
  }

  /**
   * A page of a worklist. What the result shows of each Task's patient and coverage (as the
   * caller says) is read in the page's statement and handed to the request's loaders, so the
   * field resolvers find it there: one statement for the page and everything on it.
   */
  async worklist(context: object, principal: Principal, request: WorklistRequest): Promise<WorklistPage> {
    const { reads, loaders } = this.scope(context, principal);
    const limit = pageSize(request.first);
    const criteria = this.worklistCriteria(request);
    const after = request.after ? decodeWorklistCursor(request.order, request.after) : undefined;
    const withCoverage = !!request.withCoverage && this.allowsRead(principal, PATIENT_COVERAGE.resourceType);
    const includes: WorklistPageIncludes = {
      patients: !!request.withPatients && this.allowsRead(principal, 'Patient'),
      ...(withCoverage && { referencingPatients: [PATIENT_COVERAGE] }),
    };
    const found = await reads((tx) => this.worklists.page(tx, principal.tenantId, criteria, request.order, after, limit + 1, includes));
    if (includes.patients) loaders.primeAll('Patient', found.patientIds, found.patients);
    if (withCoverage) {
      const { resourceType, param } = PATIENT_COVERAGE;
      loaders.primeReferencing(resourceType, param, 'Patient', found.patientIds, found.referencing[0]);
    }
    const page = found.rows.slice(0, limit);
    return {
      rows: page.map((row) => ({ task: row.task, cursor: encodeWorklistCursor(request.order, row.position) })),
      hasNextPage: found.rows.length > limit,
      hasPreviousPage: after !== undefined,
      count: () => reads((tx) => this.worklists.count(tx, principal.tenantId, criteria)),
    };
  }

  /** One resource by id; NOT_FOUND (an OperationOutcomeError) when it is absent, deleted or another tenant's. */
  async read<T extends Resource>(context: object, principal: Principal, resourceType: T['resourceType'], id: string): Promise<T> {
    idArgument(id, 'id');
    return this.scope(context, principal).reads(async (tx) => (await this.store.read(tx, principal.tenantId, resourceType, id)) as T);
  }

  /** ServiceRequests by patient, status and performer, newest first, keyset-paged. */
  async referrals(
    context: object,
    principal: Principal,
    filter: { patient?: string; status?: readonly string[]; performer?: string },
    page: { first: number; after?: string; withTotal: boolean },
  ): Promise<SearchPage<ServiceRequest>> {
    const { first, after } = page;
    const query: Record<string, string[]> = { _sort: ['-authored'], _count: [String(pageSize(first))], _total: [page.withTotal ? 'accurate' : 'none'] };
    if (filter.patient) query.subject = [`Patient/${idArgument(filter.patient, 'filter.patient')}`];
    if (filter.status?.length) query.status = [filter.status.join(',')];
    if (filter.performer) {
      const performer = parseOwnerReference(filter.performer, 'filter.performer');
      query.performer = [`${performer.type}/${performer.id}`];
    }
    if (after) query._cursor = [after];
    return this.searchPage<ServiceRequest>(context, principal, 'ServiceRequest', query);
  }

  /** Patients by name (starts with, any part) and/or identifier (`system|value` or a value). */
  async searchPatients(context: object, principal: Principal, name: string | undefined, identifier: string | undefined, first: number): Promise<PatientObject[]> {
    if (!name?.trim() && !identifier?.trim()) {
      throw new OperationOutcomeError(badRequest('Give a name or an identifier to search by', 'name'));
    }
    const query: Record<string, string[]> = { _count: [String(pageSize(first))], _total: ['none'] };
    if (name?.trim()) query.name = [name.trim()];
    if (identifier?.trim()) query.identifier = [identifier.trim()];
    const page = await this.searchPage<Patient>(context, principal, 'Patient', query);
    return page.resources.map(patientObject);
  }

  /** What happened to a patient and everything about them, newest first, from the store's version history. */
  async timeline(context: object, principal: Principal, patientId: string, first: number): Promise<TimelineEntryObject[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_TIMELINE) {
      throw new OperationOutcomeError(badRequest(`first must be between 1 and ${MAX_TIMELINE}`, 'first'));
    }
    const versions = await this.scope(context, principal).reads((tx) =>
      this.reads.historyOfRelated(tx, principal.tenantId, { resourceType: 'Patient', id: patientId }, PATIENT_PATHS, first),
    );
    return versions.map((version) => {
      const entry = timelineEntry(version);
      return {
        at: version.lastUpdated,
        resourceType: version.resourceType,
        resourceId: version.id,
        versionId: version.versionId,
        action: entry.action as TimelineActionValue,
        status: entry.status,
        previousStatus: entry.previousStatus,
        summary: entry.summary,
        fhir: version.content,
      };
    });
  }

  /** Throws FORBIDDEN unless the principal's token grants reading `resourceType`. */
  private assertReadable(principal: Principal, resourceType: string): void {
    if (this.readable.get(principal)?.has(resourceType)) return;
    assertScope(principal, resourceType, 'r');
    const known = this.readable.get(principal);
    if (known) known.add(resourceType);
    else this.readable.set(principal, new Set([resourceType]));
  }

  private allowsRead(principal: Principal, resourceType: string): boolean {
    try {
      this.assertReadable(principal, resourceType);
      return true;
    } catch {
      return false;
    }
  }

  private worklistCriteria(request: WorklistRequest): WorklistCriteria {
    const owner = request.owner === undefined ? undefined : parseOwnerReference(request.owner, 'filter.owner');
    if (request.dueBefore !== undefined) assertDueInstant(request.dueBefore, 'filter.dueBefore');
    if (request.dueAfter !== undefined) assertDueInstant(request.dueAfter, 'filter.dueAfter');
    const statuses = request.statuses?.length ? request.statuses : DEFAULT_WORKLIST_STATUSES;
    return {
      statuses,
      ...(owner && { owner: `${owner.type}/${owner.id}` }),
      ...(request.codes?.length && { codes: request.codes }),
      ...(request.priorities?.length && { urgencies: request.priorities.map((p) => taskUrgency(p as Task['priority'])) }),
      ...(request.patientId !== undefined && { patientId: idArgument(request.patientId, 'filter.patient') }),
      ...(request.dueBefore !== undefined && { dueBefore: new Date(Date.parse(request.dueBefore)).toISOString() }),
      ...(request.dueAfter !== undefined && { dueAfter: new Date(Date.parse(request.dueAfter)).toISOString() }),
      ...(request.overdue !== undefined && { overdue: { is: request.overdue, now: this.clock.now().toISOString() } }),
    };
  }

  private async searchPage<T extends Resource>(
    context: object,
    principal: Principal,
    resourceType: T['resourceType'],
    query: Record<string, string[]>,
  ): Promise<SearchPage<T>> {
    const bundle = await this.scope(context, principal).reads((tx) =>
      this.search.search(tx, principal.tenantId, resourceType, query, { baseUrl: this.fhirBase, strictHandling: true }),
    );
    const resources = (bundle.entry ?? []).filter((entry) => entry.search?.mode === 'match').map((entry) => entry.resource as T);
    return { resources, nextCursor: nextCursorOf(bundle), total: bundle.total };
  }
}
