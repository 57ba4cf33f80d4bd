import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

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

interface Row {
  time_zone: string;
  calendar: string;
  default_queue: string;
  supervisor_queue: string;
  coordinators: string[];
  round_robin_next: number;
  escalation_business_days: number;
}

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
  async read(tx: EntityManager, tenantId: string): Promise<StoredCoordinationSettings> {
    const rows: Row[] = await tx.query(`SELECT ${COLUMNS} FROM coordination_settings WHERE tenant_id = $1`, [tenantId]);
    return fromRow(rows[0]);
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

  async saveRoundRobin(tx: EntityManager, tenantId: string, next: number): Promise<void> {
    await tx.query(`UPDATE coordination_settings SET round_robin_next = $2, updated_at = now() WHERE tenant_id = $1`, [tenantId, next]);
  }

  /** Creates or replaces the tenant's settings (the round-robin cursor restarts when the coordinators change). */
  async save(tx: EntityManager, tenantId: string, settings: Omit<StoredCoordinationSettings, 'roundRobinNext'>): Promise<StoredCoordinationSettings> {
    const rows: Row[] = await tx.query(
      `INSERT INTO coordination_settings (tenant_id, time_zone, calendar, default_queue, supervisor_queue, coordinators, escalation_business_days)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (tenant_id) DO UPDATE SET
         time_zone = EXCLUDED.time_zone, calendar = EXCLUDED.calendar, default_queue = EXCLUDED.default_queue,
         supervisor_queue = EXCLUDED.supervisor_queue, coordinators = EXCLUDED.coordinators,
         escalation_business_days = EXCLUDED.escalation_business_days, updated_at = now(),
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
