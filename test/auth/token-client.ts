import { randomUUID } from 'node:crypto';
import { CryptoKey, exportJWK, generateKeyPair, JWK, JWTPayload, SignJWT } from 'jose';
import type { TestApp } from '../harness/test-app';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

export interface TokenAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Record<string, unknown>;
}

/** POSTs to the real token endpoint; `form` is sent form-encoded unless `rawBody` is given. */
export async function requestToken(
  service: TestApp,
  options: { form?: Record<string, string>; headers?: Record<string, string>; rawBody?: string },
): Promise<TokenAnswer> {
  const response = await fetch(`${service.baseUrl}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
    body: options.rawBody ?? new URLSearchParams(options.form ?? {}).toString(),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

/** RFC 6749 §2.3.1: each half form-encoded, then `id:secret` in base64. */
export function basic(clientId: string, secret: string): string {
  const encode = (value: string): string => encodeURIComponent(value).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString('base64')}`;
}

export interface KeyPair {
  readonly privateKey: CryptoKey;
  /** The public JWK, with `kid` and `alg`, as a client registers it. */
  readonly publicJwk: JWK;
  readonly alg: string;
}

export async function keyPair(alg: 'ES384' | 'ES256' | 'RS384' | 'RS256', kid: string): Promise<KeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg }, alg };
}

/** A SMART Backend Services client assertion; `claims` and `header` override the valid defaults (undefined removes). */
export async function clientAssertion(
  service: TestApp,
  clientId: string,
  key: KeyPair,
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown> } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = {
    iss: clientId,
    sub: clientId,
    aud: `${service.config.baseUrl}/oauth2/token`,
    exp: now + 240,
    jti: randomUUID(),
    ...options.claims,
  };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  const header = { alg: key.alg, kid: key.publicJwk.kid, typ: 'JWT', ...options.header };
  for (const [name, value] of Object.entries(header)) if (value === undefined) delete (header as Record<string, unknown>)[name];
  return new SignJWT(claims as JWTPayload).setProtectedHeader(header as { alg: string }).sign(key.privateKey);
}

export function assertionForm(assertion: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'client_credentials', client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra };
}

/** An unsigned JWT (`alg: none`) or one with a forged signature part, built by hand. */
export function handmadeJwt(header: Record<string, unknown>, payload: Record<string, unknown>, signature = ''): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part(header)}.${part(payload)}.${signature}`;
}
