import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, JSONWebKeySet, JWTPayload, jwtVerify, JWTVerifyOptions } from 'jose';
import { CLIENT_ASSERTION_ALGORITHMS } from './client-jwks';
import { OAuthError } from './oauth-error';

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** SMART Backend Services: an assertion's `exp` is at most five minutes ahead. */
export const MAX_ASSERTION_LIFETIME_SECONDS = 300;
/** Slack for the clock of the client being slightly ahead of ours when it sets exp = now + 5 min. */
const FUTURE_SKEW_SECONDS = 10;
const MAX_JTI_LENGTH = 255;

function refused(description: string): OAuthError {
  return new OAuthError('invalid_client', description);
}

/** The client an assertion claims to come from (unverified: only to find its keys). */
export function assertedClientId(assertion: string): string {
  let header;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(assertion);
    claims = decodeJwt(assertion);
  } catch {
    throw refused('client_assertion is not a JWT');
  }
  if (typeof header.alg !== 'string' || !(CLIENT_ASSERTION_ALGORITHMS as readonly string[]).includes(header.alg)) {
    throw refused(`client_assertion alg must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`);
  }
  if (typeof claims.iss !== 'string' || claims.iss === '') throw refused('client_assertion has no "iss"');
  if (claims.sub !== claims.iss) throw refused('client_assertion "iss" and "sub" must both be the client id');
  return claims.iss;
}

function describeFailure(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'client_assertion has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `client_assertion "${error.claim}" claim is invalid`;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return `client_assertion alg must be one of ${CLIENT_ASSERTION_ALGORITHMS.join(', ')}`;
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no registered key of this client matches the client_assertion (kid, alg)';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'client_assertion signature does not verify';
  return 'client_assertion could not be verified';
}

async function verifyWithKeySet(assertion: string, jwks: JSONWebKeySet, options: JWTVerifyOptions): Promise<JWTPayload> {
  const keySet = createLocalJWKSet(jwks);
  try {
    return (await jwtVerify(assertion, keySet, options)).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    // No kid and several keys of the right type: the assertion must verify with one of them.
    for await (const key of error) {
      try {
        return (await jwtVerify(assertion, key, options)).payload;
      } catch (attempt) {
        if (!(attempt instanceof joseErrors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new joseErrors.JWSSignatureVerificationFailed();
  }
}

export interface VerifiedAssertion {
  readonly jti: string;
  /** When the assertion expires: its `jti` must be remembered until then. */
  readonly expiresAt: Date;
}

/**
 * Verifies a SMART Backend Services client assertion against the client's registered JWKS:
 * an allowed asymmetric alg with a key of matching type (so `none`, HS*, and key confusion
 * fail), `kid` matching a registered key when present, `iss` = `sub` = the client id, `aud` =
 * the token URL, `exp` present, not passed and at most five minutes ahead, `jti` present.
 * Replay (`jti` reuse) is the caller's check, against the database.
 */
export async function verifyClientAssertion(
  assertion: string,
  client: { clientId: string; jwks: JSONWebKeySet },
  expected: { tokenUrl: string; now: Date },
): Promise<VerifiedAssertion> {
  let payload: JWTPayload;
  try {
    payload = await verifyWithKeySet(assertion, client.jwks, {
      algorithms: [...CLIENT_ASSERTION_ALGORITHMS],
      issuer: client.clientId,
      subject: client.clientId,
      audience: expected.tokenUrl,
      requiredClaims: ['exp', 'jti'],
      currentDate: expected.now,
    });
  } catch (error) {
    throw refused(describeFailure(error));
  }
  const nowSeconds = Math.floor(expected.now.getTime() / 1000);
  const exp = payload.exp!;
  if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + FUTURE_SKEW_SECONDS) {
    throw refused(`client_assertion "exp" must be at most ${MAX_ASSERTION_LIFETIME_SECONDS} seconds ahead`);
  }
  const jti = payload.jti;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    throw refused(`client_assertion "jti" must be a string of 1-${MAX_JTI_LENGTH} characters`);
  }
  return { jti, expiresAt: new Date(exp * 1000) };
}
