import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { OperationOutcomeError } from '@medplum/core';
import { parseScope } from '@liaison/smart-scopes';
import type { JSONWebKeySet } from 'jose';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { DEFAULT_TENANT_ID, type AdminClientConfig } from '../platform/config/config';
import { asService, inTenant } from '../platform/database/tenant-scope';
import { TenantsService } from '../tenancy/tenants.service';
import { ApiClientRepository } from './api-client.repository';
import { generateClientSecret, hashClientSecret } from './client-secret';
import { validateClientJwks } from './client-jwks';

/** Every scope: what the admin client is given. */
export const ALL_SCOPES = 'system/*.*';

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

export interface CreateClientRequest {
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly name?: string;
  /** Defaults to a random id. */
  readonly clientId?: string;
  /** Public keys for `private_key_jwt`. */
  readonly jwks?: unknown;
  /** False: the client authenticates only with signed assertions (needs `jwks`). */
  readonly withSecret: boolean;
}

export interface CreatedClient {
  readonly clientId: string;
  readonly tenantId: string;
  /** Shown once; only its hash is stored. */
  readonly clientSecret: string | undefined;
  readonly scopes: readonly string[];
}

export interface ClientSummary {
  readonly clientId: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly active: boolean;
  readonly authentication: readonly ('secret' | 'private_key_jwt')[];
  readonly createdAt: Date;
}

function problem(code: 'invalid' | 'duplicate' | 'not-found', text: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text }, expression: [expression] }],
  });
}

/** Registering, listing and disabling API clients (the CLI's and start-up's use cases). */
@Injectable()
export class ApiClientsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly clients: ApiClientRepository,
    private readonly tenants: TenantsService,
  ) {}

  /** The same service outside Nest (the CLI), on a DataSource it already opened. */
  static standalone(db: DataSource): ApiClientsService {
    return new ApiClientsService(db, new ApiClientRepository(), new TenantsService());
  }

  async create(request: CreateClientRequest): Promise<CreatedClient> {
    const clientId = request.clientId ?? randomUUID();
    if (!CLIENT_ID.test(clientId)) throw problem('invalid', `client id "${clientId}" must be 1-128 characters of [A-Za-z0-9._~-]`, 'id');
    if (request.scopes.length === 0) throw problem('invalid', 'a client needs at least one scope', 'scopes');
    const badScope = request.scopes.find((scope) => !parseScope(scope));
    if (badScope !== undefined) {
      throw problem('invalid', `"${badScope}" is not a SMART scope (e.g. system/Task.rs, system/*.cruds)`, 'scopes');
    }
    let jwks: JSONWebKeySet | null = null;
    if (request.jwks !== undefined) {
      try {
        jwks = validateClientJwks(request.jwks);
      } catch (error) {
        throw problem('invalid', (error as Error).message, 'jwks');
      }
    }
    if (!request.withSecret && !jwks) throw problem('invalid', 'a client without a secret needs a JWKS to authenticate with', 'jwks');
    if (!(await asService(this.db, (tx) => this.tenants.exists(tx, request.tenantId)))) {
      throw problem('not-found', `tenant "${request.tenantId}" does not exist`, 'tenant');
    }
    const clientSecret = request.withSecret ? generateClientSecret() : undefined;
    const secretHash = clientSecret === undefined ? null : await hashClientSecret(clientSecret);
    const inserted = await inTenant(this.db, request.tenantId, (tx) =>
      this.clients.insert(tx, {
        clientId,
        tenantId: request.tenantId,
        name: request.name ?? clientId,
        secretHash,
        jwks,
        scopes: request.scopes,
      }),
    );
    if (!inserted) throw problem('duplicate', `client "${clientId}" already exists`, 'id');
    return { clientId, tenantId: request.tenantId, clientSecret, scopes: request.scopes };
  }

  async list(tenantId: string): Promise<ClientSummary[]> {
    if (!(await asService(this.db, (tx) => this.tenants.exists(tx, tenantId)))) {
      throw problem('not-found', `tenant "${tenantId}" does not exist`, 'tenant');
    }
    const rows = await inTenant(this.db, tenantId, (tx) => this.clients.listByTenant(tx, tenantId));
    return rows.map((row) => ({
      clientId: row.clientId,
      name: row.name,
      scopes: row.scopes,
      active: row.active,
      authentication: [...(row.secretHash ? (['secret'] as const) : []), ...(row.jwks ? (['private_key_jwt'] as const) : [])],
      createdAt: row.createdAt,
    }));
  }

  /** Disables a client in whichever tenant it is; its tokens already issued run out with their TTL. */
  async disable(clientId: string): Promise<void> {
    const found = await asService(this.db, (tx) => this.clients.deactivate(tx, clientId));
    if (!found) throw problem('not-found', `client "${clientId}" does not exist`, 'id');
  }

  /** Creates or resets the configured admin client: active, every scope, tenant `default`, this secret. */
  async ensureAdmin(admin: AdminClientConfig): Promise<void> {
    const secretHash = await hashClientSecret(admin.clientSecret);
    await asService(this.db, async (tx) => {
      await this.tenants.ensure(tx, DEFAULT_TENANT_ID, 'Default tenant');
      await this.clients.upsert(tx, {
        clientId: admin.clientId,
        tenantId: DEFAULT_TENANT_ID,
        name: 'Administrator (LIAISON_ADMIN_CLIENT_ID)',
        secretHash,
        jwks: null,
        scopes: [ALL_SCOPES],
      });
    });
  }
}
