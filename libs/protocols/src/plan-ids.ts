import { createHash } from 'node:crypto';

/** Namespace of Liaison's name-based ids (a fixed random UUID). */
export const LIAISON_ID_NAMESPACE = '6b1c9a52-2f4e-4d0b-9a57-3c0e8f1d7a21';

/**
 * A name-based UUID (RFC 9562 version 5, SHA-1) for `name` in `namespace`: the same name gives
 * the same id. A caller that wants plan resources to have derived ids can pass
 * `(key) => deterministicUuid(`${tenantId}|${key}`)` as `newId`, so that even two concurrent
 * applications of one event collide on the primary key instead of duplicating work.
 */
export function deterministicUuid(name: string, namespace: string = LIAISON_ID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  if (ns.length !== 16) throw new RangeError(`namespace ${namespace} is not a UUID`);
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
