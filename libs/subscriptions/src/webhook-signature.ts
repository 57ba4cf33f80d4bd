import { createHmac } from 'node:crypto';

/**
 * Standard Webhooks (standardwebhooks.com) signing: secrets are `whsec_` + base64 of the key;
 * `webhook-signature` is `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one per valid
 * secret, space-separated (two while a rotated secret is still honoured).
 */
export const SECRET_PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;

/** A new secret from random bytes the caller drew (`randomBytes(32)`). */
export function webhookSecretOf(keyBytes: Uint8Array): string {
  if (keyBytes.length < MIN_KEY_BYTES || keyBytes.length > MAX_KEY_BYTES) {
    throw new RangeError(`a webhook key has ${MIN_KEY_BYTES}-${MAX_KEY_BYTES} bytes`);
  }
  return SECRET_PREFIX + Buffer.from(keyBytes).toString('base64');
}

/** The key of a `whsec_…` secret, or undefined when it is not one (wrong prefix, length or base64). */
export function webhookKeyOf(secret: string): Buffer | undefined {
  if (!secret.startsWith(SECRET_PREFIX)) return undefined;
  const encoded = secret.slice(SECRET_PREFIX.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const key = Buffer.from(encoded, 'base64');
  return key.length >= MIN_KEY_BYTES && key.length <= MAX_KEY_BYTES ? key : undefined;
}

export interface WebhookMessage {
  /** `webhook-id`: the same for every attempt of one message, so receivers can dedupe. */
  readonly id: string;
  /** Seconds since the epoch of this attempt. */
  readonly timestamp: number;
  readonly body: string;
}

/** The `webhook-signature` value for `message`, signed with each of `secrets` (current first). */
export function signWebhook(message: WebhookMessage, secrets: readonly string[]): string {
  if (secrets.length === 0) throw new RangeError('signing needs at least one secret');
  return secrets
    .map((secret) => {
      const key = webhookKeyOf(secret);
      if (!key) throw new RangeError('not a whsec_ secret');
      const mac = createHmac('sha256', key).update(`${message.id}.${message.timestamp}.${message.body}`).digest('base64');
      return `v1,${mac}`;
    })
    .join(' ');
}

/** The three Standard Webhooks headers for one attempt. */
export function webhookHeaders(message: WebhookMessage, secrets: readonly string[]): Record<string, string> {
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(message.timestamp),
    'webhook-signature': signWebhook(message, secrets),
  };
}
