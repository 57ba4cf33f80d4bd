import { Injectable } from '@nestjs/common';
import type { JSONWebKeySet } from 'jose';
import type { EntityManager } from 'typeorm';
import { ApiClientEntity } from './api-client.entity';

export interface NewApiClient {
  readonly clientId: string;
  readonly tenantId: string;
  readonly name: string;
  readonly secretHash: string | null;
  readonly jwks: JSONWebKeySet | null;
  readonly scopes: readonly string[];
}

/** SQL for API clients and the `jti`s of their accepted assertions. Every method runs in the caller's transaction. */
@Injectable()
export class ApiClientRepository {
  /** Looks a client up by id, across tenants: call inside `asService` (the tenant is not known yet). */
  async findById(tx: EntityManager, clientId: string): Promise<ApiClientEntity | null> {
    return tx.getRepository(ApiClientEntity).findOne({ where: { clientId } });
  }

  /** Inserts a client; false when the id is taken. */
  async insert(tx: EntityManager, client: NewApiClient): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO api_clients (client_id, tenant_id, name, secret_hash, jwks, scopes)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (client_id) DO NOTHING
       RETURNING client_id`,
      [client.clientId, client.tenantId, client.name, client.secretHash, client.jwks && JSON.stringify(client.jwks), client.scopes],
    );
    return rows.length === 1;
  }

  /** The tenant's clients, oldest first. */
  async listByTenant(tx: EntityManager, tenantId: string): Promise<ApiClientEntity[]> {
    return tx.getRepository(ApiClientEntity).find({ where: { tenantId }, order: { createdAt: 'ASC', clientId: 'ASC' } });
  }

  /** Marks a client inactive; false when there is no such client. */
  async deactivate(tx: EntityManager, clientId: string): Promise<boolean> {
    const result = await tx.getRepository(ApiClientEntity).update({ clientId }, { active: false });
    return (result.affected ?? 0) > 0;
  }

  /** Creates or resets a client in one statement, so instances starting together agree. */
  async upsert(tx: EntityManager, client: NewApiClient): Promise<void> {
    await tx.query(
      `INSERT INTO api_clients (client_id, tenant_id, name, secret_hash, jwks, scopes, active)
       VALUES ($1, $2, $3, $4, $5, $6, true)
       ON CONFLICT (client_id) DO UPDATE
         SET tenant_id = EXCLUDED.tenant_id, secret_hash = EXCLUDED.secret_hash,
             scopes = EXCLUDED.scopes, active = true`,
      [client.clientId, client.tenantId, client.name, client.secretHash, client.jwks && JSON.stringify(client.jwks), client.scopes],
    );
  }

  /**
   * Records an assertion's `jti`; false when this client already used it. The primary key
   * (client_id, jti) makes concurrent reuse fail atomically.
   */
  async recordAssertionJti(tx: EntityManager, entry: { clientId: string; tenantId: string; jti: string; expiresAt: Date }): Promise<boolean> {
    const rows: unknown[] = await tx.query(
      `INSERT INTO client_assertion_jtis (client_id, jti, tenant_id, expires_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (client_id, jti) DO NOTHING
       RETURNING jti`,
      [entry.clientId, entry.jti, entry.tenantId, entry.expiresAt],
    );
    return rows.length === 1;
  }

  /** Forgets `jti`s whose assertions have expired (they could not be replayed anyway). */
  async deleteExpiredJtis(tx: EntityManager, now: Date): Promise<void> {
    await tx.query(`DELETE FROM client_assertion_jtis WHERE expires_at < $1`, [now]);
  }
}
