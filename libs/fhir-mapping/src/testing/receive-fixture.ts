import {
  ackVerdictFor,
  buildAck,
  chooseAckCode,
  decodeHl7,
  parseHl7Message,
  readHl7Header,
  splitHl7Batch,
  type AckCode,
  type AckVerdict,
} from '@liaison/hl7';
import type { Resource } from '@medplum/fhirtypes';
import type { AdtEvent } from '../adt-event';
import { mapAdtMessage } from '../adt-to-fhir';

/** What a receiver answers for one message, with the event when it could be mapped. */
export interface Received {
  /** The application verdict: AA when mapped, else the error's AE/AR. */
  readonly application: 'AA' | 'AE' | 'AR';
  /** MSA-1 of the one ACK sent back (original or enhanced mode). */
  readonly reply: AckCode;
  /** The ACK as sent. */
  readonly ack: string;
  readonly event?: AdtEvent;
  readonly verdict?: AckVerdict;
}

const NOW = new Date('2026-03-01T12:00:00Z');

/**
 * The whole pure pipeline an MLLP receiver runs on one frame's bytes: decode (Latin-1 fallback),
 * split, parse, map, and answer each message. The database steps are what the ingest adds.
 */
export function receive(bytes: Uint8Array, defaultTimeZone = 'Z'): Received[] {
  let text: string;
  let messages: readonly string[];
  try {
    text = decodeHl7(bytes, { fallbackCharset: 'latin1' }).text;
    messages = splitHl7Batch(text).messages;
  } catch (error) {
    const header = readHl7Header(new TextDecoder('latin1').decode(bytes));
    return [answer(header, undefined, ackVerdictFor(error))];
  }
  return messages.map((message) => {
    try {
      const event = mapAdtMessage(parseHl7Message(message), { defaultTimeZone });
      return answer(readHl7Header(message), event, undefined);
    } catch (error) {
      return answer(readHl7Header(message), undefined, ackVerdictFor(error));
    }
  });
}

function answer(header: ReturnType<typeof readHl7Header>, event: AdtEvent | undefined, verdict: AckVerdict | undefined): Received {
  const application = verdict ? verdict.code : 'AA';
  const reply = chooseAckCode(header, { application, committed: true });
  const ack = buildAck(header, { code: reply, errors: verdict?.errors, controlId: 'ACK-1', now: NOW });
  return { application, reply, ack, ...(event && { event }), ...(verdict && { verdict }) };
}

/** The resources of one type an event writes. */
export function written<T extends Resource>(event: AdtEvent, resourceType: T['resourceType']): T[] {
  return event.writes.filter((w) => w.resource.resourceType === resourceType).map((w) => w.resource as T);
}

/** The resource an event's write key names. */
export function byKey<T extends Resource>(event: AdtEvent, key: string | undefined): T {
  const write = event.writes.find((w) => w.key === key);
  if (!write) throw new Error(`no write ${key}`);
  return write.resource as T;
}
