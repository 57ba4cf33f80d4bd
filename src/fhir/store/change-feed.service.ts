import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { FeedEvent, OUTBOX_WRITTEN_CHANNEL, OutboxRepository } from './outbox.repository';

export type { FeedEvent } from './outbox.repository';

/**
 * The outbox as the events module reads it: committed changes numbered per tenant (gap-free,
 * in commit order), readable by sequence. `events` owns the timing (when to sequence, when to
 * read); the store owns the table.
 */
@Injectable()
export class ChangeFeed {
  /** The channel writers NOTIFY at commit: LISTEN to it to sequence promptly. */
  readonly writtenChannel = OUTBOX_WRITTEN_CHANNEL;

  constructor(private readonly outbox: OutboxRepository) {}

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
