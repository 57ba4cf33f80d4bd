import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../platform/database/prepared-query';
import { identityLocksSql, type ResourceRef } from './ingest-resource.repository';

export type IngestProtocol = 'hl7v2' | 'fhir-messaging';

/**
 * Where a message stands. `processed`: applied (or nothing to apply), answered AA. `error`:
 * understood, not applied (AE). `rejected`: malformed or unsupported (AR). `failed`: an
 * internal error (AE 207), retried when the message is sent again. `processing`: only ever
 * seen inside the transaction that applies it.
 */
export type IngestStatus = 'processing' | 'processed' | 'error' | 'rejected' | 'failed';

/** A message as received: what identifies it and its raw bytes. */
export interface ReceivedMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly protocol: IngestProtocol;
  /** MSH-4 (sending facility), or MessageHeader.source.endpoint; '' when there is none. */
  readonly sender: string;
  /** MSH-10, or the FHIR message id; undefined when the message has none (never a duplicate). */
  readonly controlId?: string;
  /** SHA-256 of the message's normalised content: resends that differ only in framing are the same. */
  readonly contentSha256: Buffer;
  readonly messageType?: string;
  /** EVN-2/MSH-7 or Bundle.timestamp, when known. */
  readonly messageTime?: string;
  readonly raw: Buffer;
  readonly receivedAt: Date;
}

/** How a message was answered. */
export interface MessageOutcome {
  readonly status: Exclude<IngestStatus, 'processing'>;
  /** The application verdict (AA, AE, AR), whichever acknowledgment mode the reply used. */
  readonly replyCode: 'AA' | 'AE' | 'AR';
  /** The ACK as sent (HL7), or the OperationOutcome JSON (FHIR). */
  readonly reply: string;
  /** FHIR: the HTTP status of the reply. */
  readonly replyStatus?: number;
  /** What went wrong, without message content: an OperationOutcome, or an error id and name. */
  readonly error?: unknown;
  /** What the message wrote: `Type/id/_history/version`. */
  readonly effects: readonly string[];
  readonly processedAt: Date;
}

export interface StoredMessage {
  readonly id: string;
  readonly tenantId: string;
  readonly protocol: IngestProtocol;
  readonly sender: string;
  readonly controlId: string | null;
  readonly messageType: string | null;
  readonly raw: Buffer;
  readonly receivedAt: Date;
  readonly status: IngestStatus;
  readonly replyCode: string | null;
  readonly reply: string | null;
  readonly replyStatus: number | null;
  readonly error: unknown;
  readonly effects: string[];
  readonly attempts: number;
  readonly processedAt: Date | null;
}

/**
 * The message was stored by this call (`reusedControlId`: the sender had already used its
 * control id for a different message), or an identical one had been stored before.
 */
export type Claim =
  | { readonly kind: 'new'; readonly id: string; readonly reusedControlId: boolean }
  | { readonly kind: 'seen'; readonly stored: StoredMessage };

const COLUMNS = `id, tenant_id AS "tenantId", protocol, sender, control_id AS "controlId", message_type AS "messageType",
  raw, received_at AS "receivedAt", status, reply_code AS "replyCode", reply, reply_status AS "replyStatus", error, effects,
  attempts, processed_at AS "processedAt"`;

const IDENTITY = `tenant_id = $1 AND protocol = $2 AND sender = $3 AND control_id = $4 AND content_sha256 = $5`;

/** What a message wrote, for the watermarks: the resources it merged into and its own time (EVN-2/MSH-7). */
export interface WrittenBy {
  readonly refs: readonly ResourceRef[];
  readonly messageTime: string;
}

/**
 * Stores a message unless the same one is stored (then returns nothing), after locking the
 * identities in $18 (hash order, `identityLocksSql`): the INSERT's one source row exists only
 * once every lock is held, so every message takes its locks before its row, in one round trip.
 */
const CLAIM = `INSERT INTO ingest_messages (id, tenant_id, protocol, sender, control_id, content_sha256, message_type, message_time, raw,
                              received_at, status, reply_code, reply, reply_status, error, effects, processed_at)
SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
  FROM (${identityLocksSql('$2', '$18')}) AS identity_locks
ON CONFLICT (tenant_id, protocol, sender, control_id, content_sha256) DO NOTHING
RETURNING id, EXISTS (SELECT 1 FROM ingest_messages o
                       WHERE o.tenant_id = $2 AND o.protocol = $3 AND o.sender = $4 AND o.control_id = $5
                         AND o.content_sha256 <> $6) AS "reusedControlId"`;

/**
 * The outcome of a message, and the watermarks of what it wrote ($10, $11: types and ids; $12
 * its time; never moved back), in one statement.
 */
const RECORD_OUTCOME = `WITH advanced AS (
  INSERT INTO ingest_resource_watermarks (tenant_id, resource_type, resource_id, message_time, message_id)
  SELECT $1, r.resource_type, r.resource_id, $12, $2 FROM unnest($10::text[], $11::text[]) AS r(resource_type, resource_id)
  ON CONFLICT (tenant_id, resource_type, resource_id)
  DO UPDATE SET message_time = EXCLUDED.message_time, message_id = EXCLUDED.message_id
  WHERE ingest_resource_watermarks.message_time <= EXCLUDED.message_time
)
UPDATE ingest_messages
   SET status = $3, reply_code = $4, reply = $5, reply_status = $6, error = $7, effects = $8, processed_at = $9
 WHERE tenant_id = $1 AND id = $2`;

/**
 * `ingest_messages`: every message received, raw, with its outcome. Tenant statements run in
 * the tenant's transaction; the two every message runs (claim, outcome) are prepared.
 */
@Injectable()
export class IngestMessageRepository {
  private readonly prepared = new PreparedQueries();

  /**
   * Stores the message (with its outcome, when it is already decided) unless the same message
   * (sender, control id, content) is stored: then that row, locked for this transaction. A
   * concurrent identical insert waits here until the other transaction ends. `lockKeys`: the
   * identities (`Type|system|value`) the message may write, locked first (see
   * IngestResourceRepository); they stay locked whether the message is new or seen.
   */
  async claim(tx: EntityManager, message: ReceivedMessage, outcome?: MessageOutcome, lockKeys: readonly string[] = []): Promise<Claim> {
    const inserted = await this.prepared.rows<{ id: string; reusedControlId: boolean }>(tx, CLAIM, [
      message.id,
      message.tenantId,
      message.protocol,
      message.sender,
      message.controlId ?? null,
      message.contentSha256,
      message.messageType ?? null,
      message.messageTime ?? null,
      message.raw,
      message.receivedAt,
      outcome?.status ?? 'processing',
      outcome?.replyCode ?? null,
      outcome?.reply ?? null,
      outcome?.replyStatus ?? null,
      outcome?.error === undefined ? null : JSON.stringify(outcome.error),
      JSON.stringify(outcome?.effects ?? []),
      outcome?.processedAt ?? null,
      [...new Set(lockKeys)],
    ]);
    if (inserted.length > 0) return { kind: 'new', id: inserted[0].id, reusedControlId: inserted[0].reusedControlId };
    const rows: StoredMessage[] = await tx.query(`SELECT ${COLUMNS} FROM ingest_messages WHERE ${IDENTITY} FOR UPDATE`, [
      message.tenantId,
      message.protocol,
      message.sender,
      message.controlId,
      message.contentSha256,
    ]);
    if (rows.length === 0) throw new Error('ingest message conflict without a row');
    return { kind: 'seen', stored: rows[0] };
  }

  /** A stored message is being applied again (a resend after an internal error, or a reprocess). */
  async restart(tx: EntityManager, tenantId: string, id: string): Promise<void> {
    await tx.query(`UPDATE ingest_messages SET status = 'processing', attempts = attempts + 1 WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  }

  /** The message's outcome; `written`: what it wrote, whose watermarks advance to its time. */
  async recordOutcome(tx: EntityManager, tenantId: string, id: string, outcome: MessageOutcome, written?: WrittenBy): Promise<void> {
    const refs = [...new Map((written?.refs ?? []).map((r) => [`${r.resourceType}/${r.id}`, r])).values()];
    await this.prepared.rows(tx, RECORD_OUTCOME, [
      tenantId,
      id,
      outcome.status,
      outcome.replyCode,
      outcome.reply,
      outcome.replyStatus ?? null,
      outcome.error === undefined ? null : JSON.stringify(outcome.error),
      JSON.stringify(outcome.effects),
      outcome.processedAt,
      refs.map((r) => r.resourceType),
      refs.map((r) => r.id),
      written?.messageTime ?? null,
    ]);
  }

  /** Service work (any tenant): the message with this id. */
  async findById(tx: EntityManager, id: string): Promise<StoredMessage | undefined> {
    const rows: StoredMessage[] = await tx.query(`SELECT ${COLUMNS} FROM ingest_messages WHERE id = $1`, [id]);
    return rows[0];
  }

  /** Service work (any tenant, or one): the newest messages first. */
  async list(tx: EntityManager, filter: { tenantId?: string; status?: IngestStatus; limit: number }): Promise<StoredMessage[]> {
    return tx.query(
      `SELECT ${COLUMNS} FROM ingest_messages
        WHERE ($1::text IS NULL OR tenant_id = $1) AND ($2::text IS NULL OR status = $2)
        ORDER BY received_at DESC, id
        LIMIT $3`,
      [filter.tenantId ?? null, filter.status ?? null, filter.limit],
    );
  }
}
