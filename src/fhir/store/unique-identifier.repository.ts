import { Injectable } from '@nestjs/common';
import type { IdentifierKey } from '@liaison/fhir-store';
import type { EntityManager } from 'typeorm';

/** An identifier already held by another resource. */
export interface IdentifierClash extends IdentifierKey {
  readonly ownerId: string;
  /** The resource that asked for it. */
  readonly resourceId: string;
}

export interface IdentifierClaim {
  readonly resourceId: string;
  readonly key: IdentifierKey;
}

interface PendingRow {
  system: string;
  value: string;
  resource_id: string | null;
}

function byKey(a: IdentifierClaim, b: IdentifierClaim): number {
  return a.key.system < b.key.system ? -1 : a.key.system > b.key.system ? 1 : a.key.value < b.key.value ? -1 : a.key.value > b.key.value ? 1 : 0;
}

const MAX_ATTEMPTS = 3;

/**
 * `fhir_unique_identifiers`: which resource holds an identifier. A claim is an INSERT … ON
 * CONFLICT DO NOTHING: of two transactions claiming the same identifier the second waits for
 * the first to commit and then finds it taken, so there is no search-then-insert window.
 * Claims never lock rows they do not insert (no deadlock with the resource row locks of
 * updates), and insert in key order (no deadlock between two multi-identifier claims).
 */
@Injectable()
export class UniqueIdentifierRepository {
  /** Claims every key for `resourceId`; returns the keys another resource holds. */
  claim(tx: EntityManager, tenantId: string, resourceType: string, resourceId: string, keys: readonly IdentifierKey[]): Promise<IdentifierClash[]> {
    return this.claimMany(tx, tenantId, resourceType, keys.map((key) => ({ resourceId, key })));
  }

  /** Claims keys for several resources at once (a transaction's creates); returns the clashes. */
  async claimMany(tx: EntityManager, tenantId: string, resourceType: string, claims: readonly IdentifierClaim[]): Promise<IdentifierClash[]> {
    let pending = [...claims].sort(byKey);
    const clashes: IdentifierClash[] = [];
    for (let attempt = 0; pending.length > 0 && attempt < MAX_ATTEMPTS; attempt++) {
      const wanted = new Map(pending.map((c) => [`${c.key.system}\u0000${c.key.value}`, c.resourceId]));
      const rows: PendingRow[] = await tx.query(
        `WITH input AS (
           SELECT * FROM unnest($3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS t(system, value, resource_id, n)),
         claimed AS (
           INSERT INTO fhir_unique_identifiers (tenant_id, resource_type, system, value, resource_id)
           SELECT $1, $2, system, value, resource_id FROM input ORDER BY n
           ON CONFLICT (tenant_id, resource_type, system, value) DO NOTHING
           RETURNING system, value)
         SELECT i.system, i.value, u.resource_id FROM input i
           LEFT JOIN fhir_unique_identifiers u
             ON u.tenant_id = $1 AND u.resource_type = $2 AND u.system = i.system AND u.value = i.value
          WHERE NOT EXISTS (SELECT 1 FROM claimed c WHERE c.system = i.system AND c.value = i.value)`,
        [tenantId, resourceType, pending.map((c) => c.key.system), pending.map((c) => c.key.value), pending.map((c) => c.resourceId)],
      );
      const retry: IdentifierClaim[] = [];
      for (const row of rows) {
        const resourceId = wanted.get(`${row.system}\u0000${row.value}`)!;
        // A holder that committed while we waited is not in this statement's snapshot: look again.
        const owner = row.resource_id ?? (await this.holder(tx, tenantId, resourceType, row));
        if (owner === undefined) retry.push({ resourceId, key: { system: row.system, value: row.value } });
        else if (owner !== resourceId) clashes.push({ system: row.system, value: row.value, ownerId: owner, resourceId });
      }
      pending = retry;
    }
    if (pending.length > 0) throw new Error('identifier claim did not settle');
    return clashes;
  }

  /** Who holds the key, if anyone (committed, or claimed earlier in this transaction). */
  async holder(tx: EntityManager, tenantId: string, resourceType: string, key: IdentifierKey): Promise<string | undefined> {
    const rows: { resource_id: string }[] = await tx.query(
      `SELECT resource_id FROM fhir_unique_identifiers
        WHERE tenant_id = $1 AND resource_type = $2 AND system = $3 AND value = $4`,
      [tenantId, resourceType, key.system, key.value],
    );
    return rows[0]?.resource_id;
  }

  /** Releases the keys `resourceId` holds, except those in `keep`. */
  async release(tx: EntityManager, tenantId: string, resourceType: string, resourceId: string, keep: readonly IdentifierKey[] = []): Promise<void> {
    await tx.query(
      `DELETE FROM fhir_unique_identifiers
        WHERE tenant_id = $1 AND resource_type = $2 AND resource_id = $3
          AND (system, value) NOT IN (SELECT * FROM unnest($4::text[], $5::text[]))`,
      [tenantId, resourceType, resourceId, keep.map((k) => k.system), keep.map((k) => k.value)],
    );
  }
}
