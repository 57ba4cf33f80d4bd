import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { OperationOutcomeError } from '@medplum/core';
import type { Bundle, OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { coordinationEventsOf, mapAdtMessage, mapNotificationBundle, type AdtEvent } from '@liaison/fhir-mapping';
import { httpStatusOf } from '@liaison/fhir-store';
import {
  ackErrorOf,
  ackVerdictFor,
  buildAck,
  chooseAckCode,
  decodeHl7,
  encodeHl7,
  hl7Error,
  HL7_ERROR_CODE_SYSTEM,
  Hl7ErrorCode,
  parseHl7Message,
  readHl7Header,
  splitHl7Batch,
  type AckError,
  type Hl7Header,
} from '@liaison/hl7';
import { DataSource, EntityManager } from 'typeorm';
import type { Principal } from '../auth';
import { CoordinationService } from '../coordination';
import { CLOCK, Clock } from '../platform/clock/clock';
import { DEFAULT_TENANT_ID, LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { asService, inTenant } from '../platform/database/tenant-scope';
import { AdtEventApplier, type AppliedEvent } from './adt-event.applier';
import { IngestMessageRepository, IngestStatus, MessageOutcome, ReceivedMessage, StoredMessage } from './ingest-message.repository';

/**
 * The time zone of HL7 timestamps that carry no offset when MSH-7 carries none either. US feeds
 * mostly send local time without an offset; Eastern is the coordination default too
 * (coordination_settings.time_zone). A per-tenant or per-facility setting is future work.
 */
export const DEFAULT_FEED_TIME_ZONE = 'America/New_York';

/**
 * How many times a message transaction is run in all when it fails on a deadlock, a
 * serialization failure, or a lost optimistic race (see `isTransient`).
 */
const TRANSACTION_ATTEMPTS = 3;
const TRANSIENT_SQL_STATES: ReadonlySet<string> = new Set(['40P01', '40001']);

/** How a message was answered, before it is stored with its effects. */
type Answer = Omit<MessageOutcome, 'effects' | 'processedAt'>;

/** What settling a message produced: the answer, and whether it was the stored answer of an earlier identical message. */
interface Settled {
  readonly answer: Answer;
  readonly duplicate: boolean;
}

interface AnswerInput {
  readonly applied?: AppliedEvent;
  readonly error?: unknown;
  readonly committed: boolean;
  /** Notes about the message itself (a reused control id), for the reply. */
  readonly notes?: readonly OperationOutcomeIssue[];
}

/** A message ready to be settled: what it is, what it means (or why it is refused), and how its door answers. */
interface Pending {
  readonly message: ReceivedMessage;
  readonly event?: AdtEvent;
  /** Decided before any database work: malformed, unsupported, or not mappable. */
  readonly refusal?: unknown;
  readonly principal: Principal;
  answer(result: AnswerInput): Answer;
}

/** The answer to a FHIR `$process-message`. */
export interface NotificationReply {
  readonly status: number;
  readonly outcome: OperationOutcome;
}

export interface ReprocessResult {
  readonly id: string;
  readonly tenantId: string;
  readonly protocol: string;
  readonly sender: string;
  readonly controlId: string | null;
  readonly messageType: string | null;
  readonly before: { readonly status: IngestStatus; readonly replyCode: string | null };
  readonly after: { readonly status: IngestStatus; readonly replyCode: string };
  /** The new reply: the ACK (HL7) or the OperationOutcome JSON (FHIR). */
  readonly reply: string;
  readonly effects: readonly string[];
}

/** One HL7 message's text, with where it came from. */
interface Hl7Input {
  readonly text: string;
  /** The bytes stored as the message (the frame, or this message of a batch in the frame's charset). */
  readonly raw: Uint8Array;
  readonly charset: string;
  readonly decodeWarnings: readonly OperationOutcomeIssue[];
  readonly receivedAt: Date;
  /** The frame could not be read as messages: the message is refused with this. */
  readonly frameError?: unknown;
  /** The tenant, when already known (a stored message); else the sending facility's. */
  readonly tenantId?: string;
}

/** A sender used a control id again for a different message: processed as a new message, and the sender told. */
function reusedControlIdNote(protocol: string): OperationOutcomeIssue {
  return {
    severity: 'warning',
    code: 'duplicate',
    details: {
      coding: [{ system: HL7_ERROR_CODE_SYSTEM, code: Hl7ErrorCode.duplicateKey, display: 'Duplicate key identifier' }],
      text: 'This control id was already used by a different message from this sender: processed as a new message',
    },
    expression: [protocol === 'hl7v2' ? 'MSH-10' : 'MessageHeader.id'],
  };
}

function internalErrorOutcome(described: unknown): OperationOutcome {
  const errorId = (described as { errorId?: string }).errorId;
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'exception', details: { text: `Internal server error (error id ${errorId})` } }],
  };
}

function sha256(data: string | Uint8Array): Buffer {
  return createHash('sha256').update(data).digest();
}

/** A control id for an ACK's own MSH-10 (20 characters: the v2.5 length of ST). */
function ackControlId(): string {
  return randomUUID().replace(/-/g, '').slice(0, 20);
}

/**
 * A failure that another attempt may not meet: a deadlock or serialization failure, or a 412
 * from the store (`precondition-failed`): coordination writes what it read with `If-Match`, and
 * a concurrent writer (the task sweep) may have written it since. The other 412 (an identifier
 * that matches several resources) fails the same way every attempt, and is answered as before.
 */
function isTransient(error: unknown): boolean {
  if (error instanceof OperationOutcomeError) return error.outcome.id === 'precondition-failed';
  const failure = error as { code?: string; driverError?: { code?: string } } | undefined;
  return TRANSIENT_SQL_STATES.has(failure?.code ?? failure?.driverError?.code ?? '');
}

/** The status a refused or failed message is stored with. */
function failureStatus(error: unknown, code: 'AE' | 'AR'): Exclude<IngestStatus, 'processing' | 'processed'> {
  if (!(error instanceof OperationOutcomeError)) return 'failed';
  return code === 'AR' ? 'rejected' : 'error';
}

/**
 * Messages in (HL7 v2 over MLLP, Da Vinci notifications over FHIR): the one place that decides
 * what a message does and when it is answered. For each message, in ONE tenant transaction:
 * store it raw (once: a resend finds the stored reply and does nothing else), apply it through
 * the FHIR store, raise its coordination events, record the reply; COMMIT; only then does the
 * door send the reply. A message that fails is rolled back and then stored with its outcome in
 * a transaction of its own, before the error is answered.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger('Ingest');

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    @Inject(CLOCK) private readonly clock: Clock,
    private readonly messages: IngestMessageRepository,
    private readonly applier: AdtEventApplier,
    private readonly coordination: CoordinationService,
  ) {}

  /**
   * One MLLP frame's bytes → the ACK of each message it held, in order (usually one; a batch
   * file gets one per message). Resolves after every message's outcome is committed.
   */
  async receiveHl7(frame: Uint8Array): Promise<Uint8Array[]> {
    const receivedAt = this.clock.now();
    let decoded: ReturnType<typeof decodeHl7>;
    let texts: readonly string[];
    try {
      decoded = decodeHl7(frame, { fallbackCharset: 'latin1' });
      texts = splitHl7Batch(decoded.text).messages;
    } catch (error) {
      // The bytes cannot be read as messages: refuse the frame as a whole.
      const text = new TextDecoder('latin1').decode(frame);
      const pending = this.prepareHl7({ text, raw: frame, charset: 'windows-1252', decodeWarnings: [], receivedAt, frameError: error });
      return [encodeHl7(await this.settleHl7(pending), 'windows-1252')];
    }
    if (texts.length === 0) {
      // A batch file with no message: acknowledged as a whole, nothing to store.
      const ack = buildAck(undefined, { code: 'AA', controlId: ackControlId(), now: this.clock.now() });
      return [encodeHl7(ack, decoded.charset)];
    }
    const acks: Uint8Array[] = [];
    for (const text of texts) {
      const raw = texts.length === 1 ? frame : encodeHl7(text, decoded.charset);
      const pending = this.prepareHl7({ text, raw, charset: decoded.charset, decodeWarnings: decoded.warnings, receivedAt });
      acks.push(encodeHl7(await this.settleHl7(pending), decoded.charset));
    }
    return acks;
  }

  /** The `AR` for a frame larger than the receiver takes (only its first bytes were kept). */
  rejectOversized(head: Uint8Array, bytes: number): Uint8Array {
    const header = readHl7Header(new TextDecoder('latin1').decode(head));
    const verdict = ackVerdictFor(
      hl7Error({
        ack: 'AR',
        hl7Code: Hl7ErrorCode.internalError,
        code: 'too-long',
        text: `The message is ${bytes} bytes; this receiver takes at most ${this.config.mllpMaxMessageBytes}`,
      }),
    );
    const ack = buildAck(header, { code: chooseAckCode(header, { application: 'AR', committed: false }), errors: verdict.errors, controlId: ackControlId(), now: this.clock.now() });
    return encodeHl7(ack, 'windows-1252');
  }

  /** `POST /fhir/R4/$process-message`: a Da Vinci notification, with the effects of the equivalent ADT. */
  async receiveNotification(principal: Principal, body: unknown): Promise<NotificationReply> {
    const raw = Buffer.from(JSON.stringify(body));
    const pending = this.prepareNotification(principal, body, raw, this.clock.now());
    const { answer } = await this.settle(pending);
    return { status: answer.replyStatus ?? 200, outcome: JSON.parse(answer.reply) as OperationOutcome };
  }

  /**
   * Runs a stored message through the same path again (after a fix): the same row gets the new
   * outcome. Effects are idempotent: what the message already wrote is found, not duplicated.
   */
  async reprocess(id: string): Promise<ReprocessResult> {
    const row = await asService(this.db, (tx) => this.messages.findById(tx, id));
    if (!row) {
      throw new OperationOutcomeError({
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'error', code: 'not-found', details: { text: `No message ${id}` } }],
      });
    }
    const principal = this.principalFor(row.tenantId);
    let pending: Pending;
    if (row.protocol === 'hl7v2') {
      pending = this.prepareStoredHl7(row);
    } else {
      let body: unknown;
      try {
        body = JSON.parse(row.raw.toString('utf8'));
      } catch {
        body = undefined;
      }
      pending = this.prepareNotification(principal, body, row.raw, row.receivedAt);
    }
    const restarted = { ...pending, message: { ...pending.message, id: row.id, tenantId: row.tenantId } };
    const { answer } = await this.settle(restarted, row.id);
    const after = await asService(this.db, (tx) => this.messages.findById(tx, id));
    return {
      id: row.id,
      tenantId: row.tenantId,
      protocol: row.protocol,
      sender: row.sender,
      controlId: row.controlId,
      messageType: after?.messageType ?? row.messageType,
      before: { status: row.status, replyCode: row.replyCode },
      after: { status: answer.status, replyCode: answer.replyCode },
      reply: answer.reply,
      effects: after?.effects ?? [],
    };
  }

  /** Newest messages first (operators: `hl7:list`). */
  list(filter: { tenantId?: string; status?: IngestStatus; limit: number }): Promise<StoredMessage[]> {
    return asService(this.db, (tx) => this.messages.list(tx, filter));
  }

  // ---- HL7 v2 ------------------------------------------------------------------------------

  private async settleHl7(pending: Pending | { readonly unroutable: string }): Promise<string> {
    if ('unroutable' in pending) return pending.unroutable;
    return (await this.settle(pending)).answer.reply;
  }

  /**
   * One message's text → what to settle. Parsing and mapping are pure; their errors are the
   * message's refusal (AR malformed or unsupported, AE not applicable). A sending facility
   * that feeds no tenant is refused at once and not stored (there is no tenant to store it in).
   */
  private prepareHl7(input: Hl7Input): Pending | { readonly unroutable: string } {
    const { text, raw, decodeWarnings, receivedAt, frameError } = input;
    const header = readHl7Header(text);
    const tenantId = input.tenantId ?? this.tenantOfFacility(header?.sendingFacility);
    if (!tenantId) {
      this.logger.warn({ facility: header?.sendingFacility ?? null, controlId: header?.controlId ?? null }, 'HL7 message from a facility that feeds no tenant: rejected');
      const verdict = ackVerdictFor(
        hl7Error({ ack: 'AR', hl7Code: Hl7ErrorCode.unknownKey, code: 'forbidden', expression: 'MSH-4', text: 'MSH-4 (sending facility) feeds no tenant of this receiver' }),
      );
      return { unroutable: this.ackText(header, 'AR', verdict.errors, false) };
    }
    let refusal = frameError;
    let event: AdtEvent | undefined;
    let normalised = text;
    if (refusal === undefined) {
      try {
        const parsed = parseHl7Message(text);
        normalised = parsed.text;
        event = mapAdtMessage(parsed, { defaultTimeZone: DEFAULT_FEED_TIME_ZONE });
      } catch (error) {
        refusal = error;
      }
    }
    const messageType = header?.messageType.code ? [header.messageType.code, header.messageType.trigger].filter(Boolean).join('^') : undefined;
    return {
      message: {
        id: randomUUID(),
        tenantId,
        protocol: 'hl7v2',
        sender: header?.sendingFacility ?? '',
        controlId: header?.controlId,
        contentSha256: sha256(frameError === undefined ? normalised : raw),
        messageType: event?.messageType ?? messageType,
        messageTime: event?.messageTime,
        raw: Buffer.from(raw),
        receivedAt,
      },
      event,
      refusal,
      principal: this.principalFor(tenantId),
      answer: ({ applied, error, committed, notes = [] }) => {
        if (error !== undefined) {
          const verdict = ackVerdictFor(error);
          const reply = this.ackText(header, verdict.code, verdict.errors, committed);
          return { status: failureStatus(error, verdict.code), replyCode: verdict.code, reply, error: this.describeError(error) };
        }
        const warnings = [...notes, ...decodeWarnings, ...(event?.warnings ?? []), ...(applied?.warnings ?? [])];
        return { status: 'processed', replyCode: 'AA', reply: this.ackText(header, 'AA', warnings.map(ackErrorOf), committed) };
      },
    };
  }

  /** A stored HL7 message, read again from its raw bytes, in the tenant it was stored in. */
  private prepareStoredHl7(row: StoredMessage): Pending {
    let input: Hl7Input;
    try {
      const decoded = decodeHl7(row.raw, { fallbackCharset: 'latin1' });
      const [text, ...more] = splitHl7Batch(decoded.text).messages;
      const frameError =
        text === undefined || more.length > 0
          ? hl7Error({ ack: 'AR', hl7Code: Hl7ErrorCode.segmentSequence, code: 'structure', text: 'The stored message is not one message' })
          : undefined;
      input = { text: text ?? decoded.text, raw: row.raw, charset: decoded.charset, decodeWarnings: decoded.warnings, receivedAt: row.receivedAt, frameError };
    } catch (error) {
      input = { text: new TextDecoder('latin1').decode(row.raw), raw: row.raw, charset: 'windows-1252', decodeWarnings: [], receivedAt: row.receivedAt, frameError: error };
    }
    return this.prepareHl7({ ...input, tenantId: row.tenantId }) as Pending;
  }

  private ackText(header: Hl7Header | undefined, application: 'AA' | 'AE' | 'AR', errors: readonly AckError[], committed: boolean): string {
    const code = chooseAckCode(header, { application, committed });
    return buildAck(header, { code, errors, controlId: ackControlId(), now: this.clock.now() });
  }

  private tenantOfFacility(facility: string | undefined): string | undefined {
    const map = this.config.mllpFacilities;
    if (!map) return DEFAULT_TENANT_ID;
    return facility === undefined ? undefined : map.get(facility);
  }

  // ---- FHIR notifications -------------------------------------------------------------------

  private prepareNotification(principal: Principal, body: unknown, raw: Buffer, receivedAt: Date): Pending {
    let event: AdtEvent | undefined;
    let refusal: unknown;
    try {
      event = mapNotificationBundle(body as Bundle);
    } catch (error) {
      refusal = error;
    }
    const bundle = body as Partial<Bundle> | undefined;
    const header = bundle?.entry?.[0]?.resource as { resourceType?: string; id?: string; source?: { endpoint?: string }; eventCoding?: { code?: string } } | undefined;
    return {
      message: {
        id: randomUUID(),
        tenantId: principal.tenantId,
        protocol: 'fhir-messaging',
        sender: event?.source.sender ?? header?.source?.endpoint ?? '',
        controlId: event?.source.messageId ?? header?.id ?? bundle?.identifier?.value,
        contentSha256: sha256(raw),
        messageType: event?.messageType ?? header?.eventCoding?.code,
        messageTime: event?.messageTime,
        raw,
        receivedAt,
      },
      event,
      refusal,
      principal,
      answer: ({ applied, error, notes = [] }) => {
        if (error !== undefined) {
          const described = this.describeError(error);
          const outcome = error instanceof OperationOutcomeError ? error.outcome : internalErrorOutcome(described);
          const status = httpStatusOf(outcome);
          // A Bundle that cannot be read as a notification is rejected (AR); one that could not be applied is an AE.
          const replyCode = error instanceof OperationOutcomeError && refusal !== undefined ? 'AR' : 'AE';
          return { status: failureStatus(error, replyCode), replyCode, reply: JSON.stringify(outcome), replyStatus: status, error: described };
        }
        const warnings = [...(event?.warnings ?? []), ...(applied?.warnings ?? [])];
        const outcome: OperationOutcome = {
          resourceType: 'OperationOutcome',
          issue: [
            { severity: 'information', code: 'informational', details: { text: 'The message was received and fully processed' } },
            ...notes,
            ...warnings,
          ],
        };
        return { status: 'processed', replyCode: 'AA', reply: JSON.stringify(outcome), replyStatus: 200 };
      },
    };
  }

  // ---- the transaction ------------------------------------------------------------------------

  /**
   * Stores and applies one message; see the class comment. `restartOf`: the id of the stored
   * row to apply again (reprocess), instead of claiming a new one.
   */
  private async settle(pending: Pending, restartOf?: string): Promise<Settled> {
    const { message } = pending;
    if (pending.refusal !== undefined || !pending.event) {
      const error = pending.refusal ?? new Error('no event');
      return this.storeFailure(pending, error, restartOf);
    }
    const event = pending.event;
    try {
      const settled = await this.inTenantWithRetry(message.tenantId, async (tx): Promise<Settled> => {
        let id = restartOf;
        let notes: OperationOutcomeIssue[] = [];
        // The message row and the identity locks of what it may write: one round trip.
        const identitiesLocked = id === undefined;
        if (id === undefined) {
          const claim = await this.messages.claim(tx, message, undefined, this.applier.lockKeysOf(event));
          if (claim.kind === 'new' && claim.reusedControlId) notes = [reusedControlIdNote(message.protocol)];
          if (claim.kind === 'seen' && claim.stored.status !== 'failed') return { answer: this.answerOf(claim.stored), duplicate: true };
          id = claim.kind === 'seen' ? claim.stored.id : claim.id;
          if (claim.kind === 'seen') await this.messages.restart(tx, message.tenantId, id);
        } else {
          await this.messages.restart(tx, message.tenantId, id);
        }
        const applied = await this.applier.apply(tx, pending.principal, event, { identitiesLocked });
        // The patient and encounter as this transaction stored them: coordination need not read them again.
        const known = event.merges.length === 0 ? { patient: applied.patient, encounter: applied.encounter } : {};
        for (const draft of coordinationEventsOf(event, applied)) {
          await this.coordination.handleEvent(tx, pending.principal, { ...draft, ...known });
        }
        const answer = pending.answer({ applied, committed: true, notes });
        await this.messages.recordOutcome(
          tx,
          message.tenantId,
          id,
          { ...answer, effects: applied.effects, processedAt: this.clock.now() },
          { refs: applied.written, messageTime: event.messageTime },
        );
        return { answer, duplicate: false };
      });
      if (settled.duplicate) this.logger.debug({ protocol: message.protocol, sender: message.sender, controlId: message.controlId }, 'resend answered with the stored reply');
      return settled;
    } catch (error) {
      return this.storeFailure(pending, error, restartOf);
    }
  }

  /** The effects were rolled back (or never started): the message is stored with its outcome, then answered. */
  private async storeFailure(pending: Pending, error: unknown, restartOf?: string): Promise<Settled> {
    const { message } = pending;
    try {
      return await this.inTenantWithRetry(message.tenantId, async (tx) => {
        const answer = pending.answer({ error, committed: true });
        const outcome: MessageOutcome = { ...answer, effects: [], processedAt: this.clock.now() };
        if (restartOf !== undefined) {
          await this.messages.recordOutcome(tx, message.tenantId, restartOf, outcome);
          return { answer, duplicate: false };
        }
        const claim = await this.messages.claim(tx, message, outcome);
        if (claim.kind === 'new') return { answer, duplicate: false };
        if (claim.stored.status !== 'failed') return { answer: this.answerOf(claim.stored), duplicate: true };
        await this.messages.recordOutcome(tx, message.tenantId, claim.stored.id, outcome);
        return { answer, duplicate: false };
      });
    } catch (storeError) {
      // Not even the outcome could be stored: answer without having committed anything.
      this.describeError(storeError);
      return { answer: pending.answer({ error, committed: false }), duplicate: false };
    }
  }

  private async inTenantWithRetry<T>(tenantId: string, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await inTenant(this.db, tenantId, work);
      } catch (error) {
        if (attempt >= TRANSACTION_ATTEMPTS || !isTransient(error)) throw error;
      }
    }
  }

  private answerOf(stored: StoredMessage): Answer {
    return {
      status: stored.status === 'processing' ? 'failed' : stored.status,
      replyCode: (stored.replyCode ?? 'AE') as Answer['replyCode'],
      reply: stored.reply ?? '',
      ...(stored.replyStatus !== null && { replyStatus: stored.replyStatus }),
    };
  }

  /**
   * What is kept about an error: an OperationOutcome as it is (its texts name fields, never
   * values), anything else as an error id that is logged with the error's name and code.
   */
  private describeError(error: unknown): unknown {
    if (error instanceof OperationOutcomeError) return error.outcome;
    const errorId = randomUUID();
    const failure = error as { name?: string; code?: string; stack?: string } | undefined;
    this.logger.error({ errorId, name: failure?.name, code: failure?.code, at: failure?.stack?.split('\n').slice(1, 6).join('\n') }, 'ingest failed');
    return { errorId, name: failure?.name ?? 'Error', ...(failure?.code && { code: failure.code }) };
  }

  private principalFor(tenantId: string): Principal {
    return { clientId: 'liaison-ingest', tenantId, scopes: ['system/*.*'] };
  }
}
