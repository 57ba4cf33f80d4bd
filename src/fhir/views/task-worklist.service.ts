import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { TaskWorklistRepository, WorklistCriteria, WorklistOrder, WorklistPosition, WorklistRow } from './task-worklist.repository';

export type { WorklistCriteria, WorklistOrder, WorklistPosition, WorklistRow } from './task-worklist.repository';

/**
 * Worklists of Tasks (who has what to do, by when) over the typed worklist index the store
 * keeps with every Task write: keyset pages in due-date or priority order, and totals. Runs in
 * the caller's tenant transaction.
 */
@Injectable()
export class TaskWorklistService {
  constructor(private readonly repository: TaskWorklistRepository) {}

  /** Up to `limit` Tasks matching `criteria` in `order`, after `after` (the last row of the page before). */
  page(
    tx: EntityManager,
    tenantId: string,
    criteria: WorklistCriteria,
    order: WorklistOrder,
    after: WorklistPosition | undefined,
    limit: number,
  ): Promise<WorklistRow[]> {
    return this.repository.page(tx, tenantId, criteria, order, after, limit);
  }

  /** How many Tasks match `criteria` (all pages). */
  count(tx: EntityManager, tenantId: string, criteria: WorklistCriteria): Promise<number> {
    return this.repository.count(tx, tenantId, criteria);
  }
}
