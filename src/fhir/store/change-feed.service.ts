import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OutboxEntry } from '@liaison/subscriptions';
import { afterCommit } from '../../platform/database/after-commit';
import type { CteStatement } from '../../platform/database/cte-statement';
import { FeedEvent, OutboxRepository } from './outbox.repository';

export type { FeedEvent } from './outbox.repository';

/**
 * The outbox as the events module reads it: committed changes numbered per tenant (gap-free,
 * in commit order), readable by sequence. `events` owns the timing (when to sequence, when to
 * read); the store owns the table.
 */
@Injectable()
export class ChangeFeed {
  private readonly writtenListeners = new Set<() => void>();

  constructor(private readonly outbox: OutboxRepository) {}

  /**
   * Appends a write's events to its transaction; once that transaction commits, the
   * `onWritten` listeners of this process are called (the sequencer wakes). Another process's
   * writes reach the sequencer through its poll.
   */
  async append(tx: EntityManager, tenantId: string, clientId: string, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await this.outbox.append(tx, tenantId, clientId, entries);
    this.wakeAfterCommit(tx);
  }

  /**
   * `append` as part of `statement` (the caller runs it in `tx`): the events are written only
   * if `gate`, a CTE of the statement, returned a row.
   */
  appendWith(tx: EntityManager, statement: CteStatement, clientId: string, entries: readonly OutboxEntry[], gate?: string): void {
    if (entries.length === 0) return;
    this.outbox.addAppend(statement, clientId, entries, gate);
    this.wakeAfterCommit(tx);
  }

  private wakeAfterCommit(tx: EntityManager): void {
    afterCommit(tx, () => {
      for (const listener of this.writtenListeners) listener();
    });
  }

  /** Calls `listener` after each commit of this process that appended events; returns the unsubscribe. */
  onWritten(listener: () => void): () => void {
    this.writtenListeners.add(listener);
    return () => this.writtenListeners.delete(listener);
  }

  /**
   * Numbers the next committed events (at most `limit`) and returns them with their content.
   * One caller at a time (an advisory lock); `tx` is a service transaction the caller commits.
   */
  sequencePending(tx: EntityManager, limit: number): Promise<FeedEvent[]> {
    return this.outbox.assignSequences(tx, limit);
  }

  readAfter(tx: EntityManager, tenantId: string, afterSequence: number, limit: number): Promise<FeedEvent[]> {
    return this.outbox.readAfter(tx, tenantId, afterSequence, limit);
  }

  readSequences(tx: EntityManager, tenantId: string, sequences: readonly number[]): Promise<FeedEvent[]> {
    return this.outbox.readSequences(tx, tenantId, sequences);
  }

  head(tx: EntityManager, tenantId: string): Promise<number> {
    return this.outbox.head(tx, tenantId);
  }

  heads(tx: EntityManager): Promise<Map<string, number>> {
    return this.outbox.heads(tx);
  }
}
