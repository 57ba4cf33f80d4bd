import { Injectable } from '@nestjs/common';
import { OperationOutcomeError } from '@medplum/core';
import type { EntityManager } from 'typeorm';
import { TenantEntity } from './tenant.entity';

/** Tenant ids: what `tenant_id` columns, facility maps and tokens carry. */
const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isValidTenantId(id: string): boolean {
  return TENANT_ID.test(id);
}

function invalid(code: 'invalid' | 'duplicate' | 'not-found', text: string, expression: string): OperationOutcomeError {
  return new OperationOutcomeError({
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text }, expression: [expression] }],
  });
}

/**
 * Tenants: created by operators (CLI), read by everyone. Creating one is service work
 * (`asService`): no tenant is in scope yet.
 */
@Injectable()
export class TenantsService {
  async create(tx: EntityManager, id: string, name: string): Promise<TenantEntity> {
    if (!isValidTenantId(id)) {
      throw invalid('invalid', `tenant id "${id}" must be 1-63 lower-case letters, digits or "-", starting with a letter or digit`, 'id');
    }
    if (name.trim() === '') throw invalid('invalid', 'a tenant needs a name', 'name');
    const rows: TenantEntity[] = await tx.query(
      `INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING id, name, created_at AS "createdAt"`,
      [id, name.trim()],
    );
    if (rows.length === 0) throw invalid('duplicate', `tenant "${id}" already exists`, 'id');
    return rows[0];
  }

  async exists(tx: EntityManager, id: string): Promise<boolean> {
    const rows: unknown[] = await tx.query(`SELECT 1 FROM tenants WHERE id = $1`, [id]);
    return rows.length > 0;
  }

  /** Creates the tenant when missing (idempotent, safe under concurrency). */
  async ensure(tx: EntityManager, id: string, name: string): Promise<void> {
    await tx.query(`INSERT INTO tenants (id, name) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, name]);
  }
}
