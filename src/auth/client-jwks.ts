import type { JSONWebKeySet, JWK } from 'jose';

/** Signature algorithms a client assertion may use (SMART Backend Services: RS384, ES384; plus RS256, ES256). */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS384', 'ES384', 'RS256', 'ES256'] as const;

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const EC_CURVES = ['P-256', 'P-384'];
const MIN_RSA_MODULUS_BITS = 2048;

export class ClientJwksError extends Error {
  constructor(reason: string) {
    super(`invalid JWKS: ${reason}`);
    this.name = 'ClientJwksError';
  }
}

function checkKey(key: unknown, index: number): JWK {
  const where = `keys[${index}]`;
  if (typeof key !== 'object' || key === null || Array.isArray(key)) throw new ClientJwksError(`${where} is not an object`);
  const jwk = key as JWK;
  const leaked = PRIVATE_MEMBERS.filter((member) => member in jwk);
  if (leaked.length > 0) throw new ClientJwksError(`${where} has private key members (${leaked.join(', ')}); register public keys only`);
  if (jwk.use !== undefined && jwk.use !== 'sig') throw new ClientJwksError(`${where} has use "${String(jwk.use)}", expected "sig"`);
  if (jwk.alg !== undefined && !(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(jwk.alg)) {
    throw new ClientJwksError(`${where} has alg "${jwk.alg}"; allowed: ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid === '')) throw new ClientJwksError(`${where} has an empty or non-string kid`);
  if (jwk.kty === 'RSA') {
    if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new ClientJwksError(`${where} is an RSA key without "n" and "e"`);
    const bits = Buffer.from(jwk.n, 'base64url').length * 8;
    if (bits < MIN_RSA_MODULUS_BITS) throw new ClientJwksError(`${where} is an RSA key of ${bits} bits; at least ${MIN_RSA_MODULUS_BITS} are required`);
    return jwk;
  }
  if (jwk.kty === 'EC') {
    if (!EC_CURVES.includes(String(jwk.crv))) throw new ClientJwksError(`${where} has curve "${String(jwk.crv)}"; allowed: ${EC_CURVES.join(', ')}`);
    if (typeof jwk.x !== 'string' || typeof jwk.y !== 'string') throw new ClientJwksError(`${where} is an EC key without "x" and "y"`);
    return jwk;
  }
  throw new ClientJwksError(`${where} has kty "${String(jwk.kty)}"; allowed: RSA, EC`);
}

/**
 * Checks a JWKS a client registers for `private_key_jwt`: public RSA (≥ 2048 bits) or EC P-256/P-384
 * signing keys, each `kid` unique. Symmetric and private keys are refused.
 */
export function validateClientJwks(value: unknown): JSONWebKeySet {
  if (typeof value !== 'object' || value === null || !Array.isArray((value as { keys?: unknown }).keys)) {
    throw new ClientJwksError('expected an object with a "keys" array');
  }
  const keys = (value as { keys: unknown[] }).keys.map(checkKey);
  if (keys.length === 0) throw new ClientJwksError('"keys" is empty');
  const kids = keys.map((k) => k.kid).filter((kid): kid is string => kid !== undefined);
  const repeated = kids.find((kid, index) => kids.indexOf(kid) !== index);
  if (repeated !== undefined) throw new ClientJwksError(`kid "${repeated}" appears twice`);
  return { keys };
}
