import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { PreparedQueries } from '../platform/database/prepared-query';

/** A tenant's coordination settings as stored (`coordination_settings`); defaults when it has no row. */
export interface StoredCoordinationSettings {
  readonly timeZone: string;
  /** A calendar id: `fhir-profiles/calendars/<id>.json`. */
  readonly calendar: string;
  /** References (`HealthcareService/…`, `Group/…`, `Practitioner/…`). */
  readonly defaultQueue: string;
  readonly supervisorQueue: string;
  readonly coordinators: readonly string[];
  readonly roundRobinNext: number;
  readonly escalationBusinessDays: number;
}

/** What a tenant without a row runs on (the column defaults of the migration). */
export const DEFAULT_COORDINATION_SETTINGS: StoredCoordinationSettings = Object.freeze({
  timeZone: 'America/New_York',
  calendar: 'us-federal',
  defaultQueue: 'HealthcareService/care-coordination',
  supervisorQueue: 'HealthcareService/coordination-supervisors',
  coordinators: [],
  roundRobinNext: 0,
  escalationBusinessDays: 1,
});

/**
 * The settings and the tenant's protocols stamp: a value that changes whenever the tenant's
 * settings or any of its PlanDefinitions change (`updated_at`, moved forward by every such write
 * in the writer's transaction, see `touch`); `NO_PROTOCOLS_STAMP` when the tenant has no row.
 */
export interface SettingsWithStamp {
  readonly settings: StoredCoordinationSettings;
  readonly protocolsStamp: string;
}

/** The stamp of a tenant without a settings row: nothing to compare with (protocols are never cached under it). */
export const NO_PROTOCOLS_STAMP = 'none';

interface Row {
  time_zone: string;
  calendar: string;
  default_queue: string;
  supervisor_queue: string;
  coordinators: string[];
  round_robin_next: number;
  escalation_business_days: number;
}

/**
 * `updated_at` moves strictly forward on every change (never back to a value a reader may have
 * seen, whatever the clocks of concurrent writers did): a stamp is never reused.
 */
const NEXT_STAMP = `greatest(clock_timestamp(), coordination_settings.updated_at + interval '1 microsecond')`;

const COLUMNS = 'time_zone, calendar, default_queue, supervisor_queue, coordinators, round_robin_next, escalation_business_days';

function fromRow(row: Row | undefined): StoredCoordinationSettings {
  if (!row) return DEFAULT_COORDINATION_SETTINGS;
  return {
    timeZone: row.time_zone,
    calendar: row.calendar,
    defaultQueue: row.default_queue,
    supervisorQueue: row.supervisor_queue,
    coordinators: row.coordinators,
    roundRobinNext: row.round_robin_next,
    escalationBusinessDays: row.escalation_business_days,
  };
}

/** SQL of `coordination_settings`, in the caller's tenant transaction. */
@Injectable()
export class CoordinationSettingsRepository {
  private readonly prepared = new PreparedQueries();

  async read(tx: EntityManager, tenantId: string): Promise<StoredCoordinationSettings> {
    return (await this.readWithStamp(tx, tenantId)).settings;
  }

  /** The settings and the protocols stamp, in one statement (prepared: its plan is the primary key's). */
  async readWithStamp(tx: EntityManager, tenantId: string): Promise<SettingsWithStamp> {
    const [row] = await this.prepared.rows<Row & { stamp: string }>(
      tx,
      `SELECT ${COLUMNS}, updated_at::text AS stamp FROM coordination_settings WHERE tenant_id = $1`,
      [tenantId],
    );
    return { settings: fromRow(row), protocolsStamp: row ? row.stamp : NO_PROTOCOLS_STAMP };
  }

  /**
   * The settings and stamp of a tenant that had no row: the row is made (default settings), so
   * that the tenant has a stamp its PlanDefinition writes move. Once per tenant. A tenant id
   * without a `tenants` row (a facility mapped to a tenant never created) gets no row and stays
   * without a stamp.
   */
  async ensureRow(tx: EntityManager, tenantId: string): Promise<SettingsWithStamp> {
    await this.prepared.rows(
      tx,
      `INSERT INTO coordination_settings (tenant_id) SELECT $1::text WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1::text)
       ON CONFLICT (tenant_id) DO NOTHING`,
      [tenantId],
    );
    return this.readWithStamp(tx, tenantId);
  }

  /**
   * Moves the tenant's stamp forward, in the writer's transaction (a PlanDefinition was
   * written): every instance's protocol cache of the tenant is stale from its commit on. A
   * tenant without a row gets one with the default settings (see `ensureRow`).
   */
  async touch(tx: EntityManager, tenantId: string): Promise<void> {
    await this.prepared.rows(
      tx,
      `INSERT INTO coordination_settings (tenant_id) SELECT $1::text WHERE EXISTS (SELECT 1 FROM tenants WHERE id = $1::text)
       ON CONFLICT (tenant_id) DO UPDATE SET updated_at = ${NEXT_STAMP}`,
      [tenantId],
    );
  }

  /**
   * The round-robin cursor, locked until the transaction ends: concurrent events that each
   * need a new coordinator take turns here, so no two take the same turn.
   */
  async lockRoundRobin(tx: EntityManager, tenantId: string): Promise<number> {
    const rows: { round_robin_next: number }[] = await tx.query(
      `SELECT round_robin_next FROM coordination_settings WHERE tenant_id = $1 FOR UPDATE`,
      [tenantId],
    );
    return rows[0]?.round_robin_next ?? 0;
  }

  /** The next turn (engine state, not a settings change: the protocols stamp stays). */
  async saveRoundRobin(tx: EntityManager, tenantId: string, next: number): Promise<void> {
    await tx.query(`UPDATE coordination_settings SET round_robin_next = $2 WHERE tenant_id = $1`, [tenantId, next]);
  }

  /** Creates or replaces the tenant's settings (the round-robin cursor restarts when the coordinators change). */
  async save(tx: EntityManager, tenantId: string, settings: Omit<StoredCoordinationSettings, 'roundRobinNext'>): Promise<StoredCoordinationSettings> {
    const rows: Row[] = await tx.query(
      `INSERT INTO coordination_settings (tenant_id, time_zone, calendar, default_queue, supervisor_queue, coordinators, escalation_business_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id) DO UPDATE SET
         time_zone = EXCLUDED.time_zone, calendar = EXCLUDED.calendar, default_queue = EXCLUDED.default_queue,
         supervisor_queue = EXCLUDED.supervisor_queue, coordinators = EXCLUDED.coordinators,
         escalation_business_days = EXCLUDED.escalation_business_days, updated_at = ${NEXT_STAMP},
         round_robin_next = CASE WHEN coordination_settings.coordinators = EXCLUDED.coordinators
                                 THEN coordination_settings.round_robin_next ELSE 0 END
       RETURNING ${COLUMNS}`,
      [
        tenantId,
        settings.timeZone,
        settings.calendar,
        settings.defaultQueue,
        settings.supervisorQueue,
        [...settings.coordinators],
        settings.escalationBusinessDays,
      ],
    );
    return fromRow(rows[0]);
  }
}
