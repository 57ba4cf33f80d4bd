import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { MAX_REFERENCING } from './fhir-reads.service';
import type { ReferencePath } from './resource-reads.repository';
import { TaskWorklistRepository, WorklistCriteria, WorklistOrder, WorklistPageRows, WorklistPosition } from './task-worklist.repository';

export type { WorklistCriteria, WorklistOrder, WorklistPageRows, WorklistPosition, WorklistRow } from './task-worklist.repository';

/** What a page of a worklist may bring along in the same statement (for a view that shows them). */
export interface WorklistPageIncludes {
  /** The Patients the page's Tasks are for. */
  readonly patients?: boolean;
  /** The resources referencing those Patients through these paths (as `FhirReadService.referencing` reads them). */
  readonly referencingPatients?: readonly ReferencePath[];
}

/**
 * Worklists of Tasks (who has what to do, by when) over the typed worklist index the store
 * keeps with every Task write: keyset pages in due-date or priority order, and totals. Runs in
 * the caller's tenant transaction.
 */
@Injectable()
export class TaskWorklistService {
  constructor(private readonly repository: TaskWorklistRepository) {}

  /**
   * Up to `limit` Tasks matching `criteria` in `order`, after `after` (the last row of the page
   * before), and what `includes` asks for, in one statement.
   */
  page(
    tx: EntityManager,
    tenantId: string,
    criteria: WorklistCriteria,
    order: WorklistOrder,
    after: WorklistPosition | undefined,
    limit: number,
    includes: WorklistPageIncludes = {},
  ): Promise<WorklistPageRows> {
    const paths = includes.referencingPatients ?? [];
    return this.repository.page(tx, tenantId, criteria, order, after, limit, {
      patients: includes.patients,
      ...(paths.length > 0 && { referencingPatients: { paths, limit: MAX_REFERENCING } }),
    });
  }

  /** How many Tasks match `criteria` (all pages). */
  count(tx: EntityManager, tenantId: string, criteria: WorklistCriteria): Promise<number> {
    return this.repository.count(tx, tenantId, criteria);
  }
}
