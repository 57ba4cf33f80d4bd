import { Inject, Injectable } from '@nestjs/common';
import { errors as joseErrors } from 'jose';
import { randomUUID } from 'node:crypto';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { notAuthenticated } from './access.error';
import type { Principal } from './principal';
import { SigningKeyService, UnknownKeyError } from './signing-key.service';

/** RFC 9068 `typ` of our access tokens, so no other JWT we sign could pass as one. */
const ACCESS_TOKEN_TYPE = 'at+jwt';
const REQUIRED_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'jti', 'scope', 'tenant'];

export interface IssuedAccessToken {
  readonly accessToken: string;
  readonly expiresIn: number;
}

/** Why a presented token was refused; said in the 401, never logged with the token. */
function refusal(error: unknown): string {
  if (error instanceof joseErrors.JWTExpired) return 'the access token has expired';
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `the access token's "${error.claim}" claim is not valid here`;
  if (error instanceof UnknownKeyError) return error.message;
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'the access token is not signed with ES256';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'the access token signature does not verify';
  return 'the access token is malformed';
}

/** How many verified tokens are remembered; past that the oldest go first. */
const VERIFIED_MAX_ENTRIES = 10_000;

/**
 * Access tokens: JWTs signed with the service key, carrying the client, its tenant and the
 * granted scopes. Self-contained, so checking one needs no database. A token that verified is
 * remembered until it expires, so a client's every call does not pay for ECDSA again (a token
 * is immutable: the same string always verifies the same way until its `exp`).
 */
@Injectable()
export class AccessTokenService {
  private readonly verified = new Map<string, { principal: Principal; expiresAtMs: number }>();

  constructor(
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    private readonly keys: SigningKeyService,
  ) {}

  async issue(principal: Principal, now: Date = new Date()): Promise<IssuedAccessToken> {
    const iat = Math.floor(now.getTime() / 1000);
    const expiresIn = this.config.tokenTtlSeconds;
    const accessToken = await this.keys.sign(
      {
        iss: this.config.baseUrl,
        sub: principal.clientId,
        aud: this.config.baseUrl,
        iat,
        exp: iat + expiresIn,
        jti: randomUUID(),
        client_id: principal.clientId,
        scope: principal.scopes.join(' '),
        tenant: principal.tenantId,
      },
      ACCESS_TOKEN_TYPE,
    );
    return { accessToken, expiresIn };
  }

  /** The principal of a valid access token; an AccessError (401) otherwise. */
  async verify(token: string, nowMs: number = Date.now()): Promise<Principal> {
    const remembered = this.verified.get(token);
    if (remembered) {
      if (remembered.expiresAtMs > nowMs) return remembered.principal;
      this.verified.delete(token);
    }
    let payload;
    try {
      payload = await this.keys.verify(token, {
        issuer: this.config.baseUrl,
        audience: this.config.baseUrl,
        typ: ACCESS_TOKEN_TYPE,
        requiredClaims: REQUIRED_CLAIMS,
        currentDate: new Date(nowMs),
      });
    } catch (error) {
      throw notAuthenticated(refusal(error));
    }
    const { sub, tenant, scope } = payload;
    if (typeof sub !== 'string' || typeof tenant !== 'string' || typeof scope !== 'string') {
      throw notAuthenticated('the access token is malformed');
    }
    const principal: Principal = { clientId: sub, tenantId: tenant, scopes: scope.split(' ').filter((s) => s !== '') };
    this.remember(token, principal, (payload.exp as number) * 1000);
    return principal;
  }

  private remember(token: string, principal: Principal, expiresAtMs: number): void {
    if (this.verified.size >= VERIFIED_MAX_ENTRIES) {
      // Maps iterate in insertion order: drop the oldest tenth.
      let drop = VERIFIED_MAX_ENTRIES / 10;
      for (const key of this.verified.keys()) {
        if (drop-- <= 0) break;
        this.verified.delete(key);
      }
    }
    this.verified.set(token, { principal, expiresAtMs });
  }

  /** Reads `Authorization: Bearer <token>` and verifies the token. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (!authorization) throw notAuthenticated('an access token is required (Authorization: Bearer …)');
    const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(authorization);
    if (!match) throw notAuthenticated('the Authorization header must be "Bearer <access token>"');
    return this.verify(match[1]);
  }
}
