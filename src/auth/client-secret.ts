import { createHash, randomBytes, scrypt, ScryptOptions, timingSafeEqual } from 'node:crypto';

/** scrypt cost: 16 MiB and ~30-60 ms per check; the parameters are stored with each hash. */
const COST = { N: 2 ** 14, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
const MAX_MEMORY = 64 * 1024 * 1024;

function derive(secret: string, salt: Buffer, options: ScryptOptions, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(secret, salt, length, { ...options, maxmem: MAX_MEMORY }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** A client secret: 32 random bytes, base64url. Shown once, stored only as a hash. */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$salt$hash` (salt and hash base64url), so the cost can rise without a migration. */
export async function hashClientSecret(secret: string): Promise<string> {
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(secret, salt, COST, KEY_LENGTH);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface ParsedHash {
  readonly options: ScryptOptions;
  readonly salt: Buffer;
  readonly key: Buffer;
}

function parseHash(stored: string): ParsedHash | undefined {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key) return undefined;
  const options = { N: Number(n), r: Number(r), p: Number(p) };
  if (![options.N, options.r, options.p].every((value) => Number.isInteger(value) && value > 0)) return undefined;
  return { options, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

/** Stands in for the hash of an unknown client, so a miss costs as much time as a wrong secret. */
const DUMMY_HASH = `scrypt$${COST.N}$${COST.r}$${COST.p}$${Buffer.alloc(SALT_LENGTH).toString('base64url')}$${Buffer.alloc(KEY_LENGTH).toString('base64url')}`;

/**
 * Checks `secret` against a stored hash in constant time. `stored` undefined (unknown client, or
 * a client without a secret) still runs one scrypt against a dummy hash and returns false.
 */
export async function verifyClientSecret(secret: string, stored: string | null | undefined): Promise<boolean> {
  const parsed = (stored && parseHash(stored)) || undefined;
  const target = parsed ?? parseHash(DUMMY_HASH)!;
  const derived = await derive(secret, target.salt, target.options, target.key.length);
  return timingSafeEqual(derived, target.key) && parsed !== undefined;
}

const VERIFIED_TTL_MS = 5 * 60_000;
const VERIFIED_MAX_ENTRIES = 10_000;

/**
 * Checks client secrets, remembering recent successes in memory for a few minutes: a client
 * that asks for a token every minute pays for scrypt once, not every time. Only a secret that
 * matched is remembered (as its SHA-256, keyed by the stored hash, so rotating the secret
 * forgets it); a wrong secret always costs a full scrypt, so guessing gets no faster.
 */
export class ClientSecretVerifier {
  private readonly verified = new Map<string, { digest: Buffer; until: number }>();

  async verify(secret: string, stored: string | null | undefined, nowMs: number): Promise<boolean> {
    const digest = createHash('sha256').update(secret).digest();
    const remembered = stored ? this.verified.get(stored) : undefined;
    if (remembered && remembered.until > nowMs && timingSafeEqual(remembered.digest, digest)) return true;
    const matches = await verifyClientSecret(secret, stored);
    if (matches && stored) this.remember(stored, digest, nowMs);
    return matches;
  }

  private remember(stored: string, digest: Buffer, nowMs: number): void {
    if (this.verified.size >= VERIFIED_MAX_ENTRIES) {
      for (const [key, entry] of this.verified) if (entry.until <= nowMs) this.verified.delete(key);
      if (this.verified.size >= VERIFIED_MAX_ENTRIES) this.verified.clear();
    }
    this.verified.set(stored, { digest, until: nowMs + VERIFIED_TTL_MS });
  }
}
