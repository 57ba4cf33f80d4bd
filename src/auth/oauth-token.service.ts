import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { grantScopes, InvalidScopeError } from '@liaison/smart-scopes';
import { DataSource } from 'typeorm';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { asService, inTenant } from '../platform/database/tenant-scope';
import type { ApiClientEntity } from './api-client.entity';
import { ApiClientRepository } from './api-client.repository';
import { AccessTokenService } from './access-token.service';
import { assertedClientId, CLIENT_ASSERTION_TYPE, verifyClientAssertion } from './client-assertion';
import { ClientSecretVerifier } from './client-secret';
import { OAuthError } from './oauth-error';

/** What the token endpoint received: the Authorization header and the form fields. */
export interface TokenRequest {
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly form: unknown;
}

export interface TokenResponse {
  readonly access_token: string;
  readonly token_type: 'Bearer';
  readonly expires_in: number;
  readonly scope: string;
}

type ClientCredentials =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly clientId: string; readonly secret: string }
  | { readonly method: 'private_key_jwt'; readonly assertion: string; readonly formClientId: string | undefined };

const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** Kept after an assertion's `exp` before its `jti` is forgotten: longer than any clock slack we allow. */
const JTI_RETENTION_MS = 60_000;

/** The form as single string values; a repeated or non-string field is an invalid_request (RFC 6749 §3.2). */
function formFields(form: unknown): Map<string, string> {
  if (typeof form !== 'object' || form === null) throw new OAuthError('invalid_request', `the body must be ${FORM_CONTENT_TYPE}`);
  const fields = new Map<string, string>();
  for (const [name, value] of Object.entries(form)) {
    if (typeof value !== 'string') throw new OAuthError('invalid_request', `"${name}" must appear once`);
    if (value !== '') fields.set(name, value);
  }
  return fields;
}

/** `application/x-www-form-urlencoded` decoding of one Basic credential half (RFC 6749 §2.3.1). */
function formDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    throw new OAuthError('invalid_client', 'the Basic credentials are not form-encoded correctly', true);
  }
}

function basicCredentials(authorization: string): { clientId: string; secret: string } {
  const match = /^Basic[ ]+([A-Za-z0-9+/]+=*)\s*$/i.exec(authorization);
  if (!match) throw new OAuthError('invalid_client', 'the Authorization header must be "Basic <base64(id:secret)>"', true);
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError('invalid_client', 'the Basic credentials must be "id:secret"', true);
  const clientId = formDecode(decoded.slice(0, colon));
  const secret = formDecode(decoded.slice(colon + 1));
  if (clientId === '' || secret === '') throw new OAuthError('invalid_client', 'the Basic credentials must be "id:secret"', true);
  return { clientId, secret };
}

/** Which one client authentication method the request uses; more than one is an invalid_request. */
function clientCredentials(authorization: string | undefined, fields: Map<string, string>): ClientCredentials {
  const assertionType = fields.get('client_assertion_type');
  const assertion = fields.get('client_assertion');
  const secret = fields.get('client_secret');
  const usesBasic = authorization !== undefined && /^Basic\b/i.test(authorization);
  const usesAssertion = assertionType !== undefined || assertion !== undefined;
  const methods = [usesBasic, usesAssertion, secret !== undefined].filter(Boolean).length;
  if (methods > 1) throw new OAuthError('invalid_request', 'use exactly one client authentication method', usesBasic);
  if (usesBasic) {
    const basic = basicCredentials(authorization);
    const formClientId = fields.get('client_id');
    if (formClientId !== undefined && formClientId !== basic.clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the Basic credentials', true);
    }
    return { method: 'client_secret_basic', ...basic };
  }
  if (usesAssertion) {
    if (assertionType !== CLIENT_ASSERTION_TYPE) {
      throw new OAuthError('invalid_request', `client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
    }
    if (assertion === undefined) throw new OAuthError('invalid_request', 'client_assertion is missing');
    return { method: 'private_key_jwt', assertion, formClientId: fields.get('client_id') };
  }
  const clientId = fields.get('client_id');
  if (secret !== undefined) {
    if (clientId === undefined) throw new OAuthError('invalid_request', 'client_id is missing');
    return { method: 'client_secret_post', clientId, secret };
  }
  throw new OAuthError('invalid_client', 'client authentication is required (client_secret_basic, client_secret_post or private_key_jwt)');
}

const AUTHENTICATION_FAILED = 'client authentication failed';

/**
 * The OAuth 2.0 token endpoint's grant: `client_credentials`, with the client authenticated by
 * secret (Basic or form) or by a SMART Backend Services assertion. Secrets and assertions are
 * never logged or echoed.
 */
@Injectable()
export class OAuthTokenService {
  constructor(
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly clients: ApiClientRepository,
    private readonly tokens: AccessTokenService,
    private readonly secrets: ClientSecretVerifier,
  ) {}

  get tokenUrl(): string {
    return `${this.config.baseUrl}/oauth2/token`;
  }

  async grant(request: TokenRequest, now: Date = new Date()): Promise<TokenResponse> {
    const mediaType = request.contentType?.split(';')[0].trim().toLowerCase();
    if (mediaType !== FORM_CONTENT_TYPE) throw new OAuthError('invalid_request', `the body must be ${FORM_CONTENT_TYPE}`);
    const fields = formFields(request.form);
    const grantType = fields.get('grant_type');
    if (grantType === undefined) throw new OAuthError('invalid_request', 'grant_type is missing');
    if (grantType !== 'client_credentials') {
      throw new OAuthError('unsupported_grant_type', 'only grant_type=client_credentials is supported');
    }
    const credentials = clientCredentials(request.authorization, fields);
    const client = await this.authenticate(credentials, now);
    let scopes: string[];
    try {
      scopes = grantScopes(fields.get('scope'), client.scopes);
    } catch (error) {
      if (error instanceof InvalidScopeError) throw new OAuthError('invalid_scope', error.message);
      throw error;
    }
    const issued = await this.tokens.issue({ clientId: client.clientId, tenantId: client.tenantId, scopes }, now);
    return { access_token: issued.accessToken, token_type: 'Bearer', expires_in: issued.expiresIn, scope: scopes.join(' ') };
  }

  private async authenticate(credentials: ClientCredentials, now: Date): Promise<ApiClientEntity> {
    if (credentials.method === 'private_key_jwt') return this.authenticateAssertion(credentials.assertion, credentials.formClientId, now);
    const basic = credentials.method === 'client_secret_basic';
    const client = await asService(this.db, (tx) => this.clients.findById(tx, credentials.clientId));
    // Unknown clients are checked against a dummy hash: the answer takes as long either way.
    const matches = await this.secrets.verify(credentials.secret, client?.secretHash, now.getTime());
    if (!client || !matches) throw new OAuthError('invalid_client', AUTHENTICATION_FAILED, basic);
    if (!client.active) throw new OAuthError('unauthorized_client', 'this client is disabled');
    return client;
  }

  private async authenticateAssertion(assertion: string, formClientId: string | undefined, now: Date): Promise<ApiClientEntity> {
    const clientId = assertedClientId(assertion);
    if (formClientId !== undefined && formClientId !== clientId) {
      throw new OAuthError('invalid_request', 'client_id does not match the client_assertion issuer');
    }
    const client = await asService(this.db, (tx) => this.clients.findById(tx, clientId));
    if (!client || !client.jwks) throw new OAuthError('invalid_client', AUTHENTICATION_FAILED);
    const verified = await verifyClientAssertion(assertion, { clientId, jwks: client.jwks }, { tokenUrl: this.tokenUrl, now });
    if (!client.active) throw new OAuthError('unauthorized_client', 'this client is disabled');
    const firstUse = await inTenant(this.db, client.tenantId, async (tx) => {
      await this.clients.deleteExpiredJtis(tx, now);
      return this.clients.recordAssertionJti(tx, {
        clientId,
        tenantId: client.tenantId,
        jti: verified.jti,
        expiresAt: new Date(verified.expiresAt.getTime() + JTI_RETENTION_MS),
      });
    });
    if (!firstUse) throw new OAuthError('invalid_client', 'client_assertion "jti" has already been used');
    return client;
  }
}
