import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Injectable, Logger } from '@nestjs/common';
import type { PlanDefinition } from '@medplum/fhirtypes';
import { BusinessCalendar, calendarCovers, calendarFromJson, localDateAt, weekendsOnlyCalendar } from '@liaison/business-time';
import { isCoordinationProtocol, prepareProtocols, PreparedProtocols } from '@liaison/protocols';
import type { EntityManager } from 'typeorm';
import { FhirSearchService } from '../fhir';
import { NO_PROTOCOLS_STAMP } from './coordination-settings.repository';
import { fhirProfilesDir } from '../fhir/definitions/fhir-definitions.service';
import { searchAll } from './resource-search';

/** Calendars a tenant may name: `fhir-profiles/calendars/<id>.json`. */
export const DEFAULT_CALENDAR_ID = 'us-federal';

/** How long before a calendar's last known date start-up warns about it. */
const CALENDAR_WARNING_DAYS = 180;

interface TenantProtocols {
  /** The tenant's protocols stamp they were read under (`coordination_settings.updated_at`). */
  readonly stamp: string;
  readonly prepared: PreparedProtocols;
}

/**
 * The protocols and calendars coordination applies.
 *
 * Protocols: the PlanDefinitions shipped in `fhir-profiles/` are read and checked once at
 * start-up (an invalid one stops the start) and serve every tenant, present and future, from
 * memory. A tenant adds or overrides protocols by storing PlanDefinitions through the FHIR API:
 * its PlanDefinition with the same `url` replaces the shipped one (a `retired` one switches it
 * off), and its own protocols (those whose actions name a coordination event) are added.
 *
 * A tenant's protocols are kept in memory with the stamp they were read under: the tenant's
 * `coordination_settings.updated_at`, which every PlanDefinition write moves forward in the
 * writer's transaction (`CoordinationReactions`, the store's react step, on any instance). The
 * event's transaction reads the stamp with the settings (one statement it makes anyway); the
 * PlanDefinitions are searched and prepared again only when the stamp moved. Several instances
 * stay correct: a PlanDefinition committed anywhere changes the stamp every instance reads.
 *
 * Calendars: `fhir-profiles/calendars/*.json`, by id.
 */
@Injectable()
export class ProtocolCatalog {
  private readonly log = new Logger(ProtocolCatalog.name);
  private readonly shipped: readonly PlanDefinition[];
  private readonly shippedPrepared: PreparedProtocols;
  private readonly calendars: ReadonlyMap<string, BusinessCalendar>;
  private readonly tenants = new Map<string, TenantProtocols>();
  private readonly warnedCalendars = new Set<string>();

  constructor(private readonly search: FhirSearchService) {
    const dir = fhirProfilesDir();
    this.shipped = readdirSync(dir)
      .filter((name) => /^PlanDefinition-.+\.json$/.test(name))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as PlanDefinition);
    this.shippedPrepared = prepareProtocols(this.shipped);
    const calendarDir = join(dir, 'calendars');
    this.calendars = new Map(
      readdirSync(calendarDir)
        .filter((name) => name.endsWith('.json'))
        .map((name) => calendarFromJson(JSON.parse(readFileSync(join(calendarDir, name), 'utf8'))))
        .map((calendar) => [calendar.id, calendar]),
    );
    if (!this.calendars.has(DEFAULT_CALENDAR_ID)) throw new Error(`fhir-profiles/calendars/${DEFAULT_CALENDAR_ID}.json is missing`);
  }

  /** The shipped PlanDefinitions (as in fhir-profiles/). */
  get shippedProtocols(): readonly PlanDefinition[] {
    return this.shipped;
  }

  /** Whether a calendar id names a calendar file. */
  hasCalendar(id: string): boolean {
    return this.calendars.has(id);
  }

  /**
   * The calendar a tenant names. An unknown id (a file removed after the setting was made)
   * counts weekends only, with a warning, rather than stopping coordination.
   */
  calendar(id: string, now: Date): BusinessCalendar {
    const calendar = this.calendars.get(id);
    if (!calendar) {
      this.warnOnce(`unknown:${id}`, { calendar: id }, 'unknown holiday calendar: counting weekends only');
      return weekendsOnlyCalendar();
    }
    const soon = new Date(now.getTime() + CALENDAR_WARNING_DAYS * 86_400_000);
    if (!calendarCovers(calendar, localDateAt(soon, 'UTC'))) {
      this.warnOnce(`ending:${id}`, { calendar: id, validThrough: calendar.validThrough }, 'holiday calendar runs out soon: add the next years');
    }
    return calendar;
  }

  /**
   * The protocols that apply in a tenant: shipped ones, overridden or extended by the tenant's
   * PlanDefinitions. `stamp`: the tenant's protocols stamp as read in `tx`
   * (`CoordinationSettingsRepository.readWithStamp`); the PlanDefinitions are read only when it
   * differs from the one the cached protocols were read under.
   */
  async protocolsFor(tx: EntityManager, tenantId: string, stamp: string): Promise<PreparedProtocols> {
    const cached = this.tenants.get(tenantId);
    if (cached && cached.stamp === stamp && stamp !== NO_PROTOCOLS_STAMP) return cached.prepared;
    // Read after the stamp, in a later statement: what is read is at least as new as the stamp.
    const own = await searchAll<PlanDefinition>(this.search, tx, tenantId, 'PlanDefinition', {});
    const prepared = own.length === 0 ? this.shippedPrepared : this.prepare(tenantId, own);
    if (stamp !== NO_PROTOCOLS_STAMP) this.tenants.set(tenantId, { stamp, prepared });
    return prepared;
  }

  private prepare(tenantId: string, own: readonly PlanDefinition[]): PreparedProtocols {
    const byUrl = new Map<string, PlanDefinition>(this.shipped.map((pd) => [pd.url as string, pd]));
    const overriding = own.filter((pd) => pd.url && (byUrl.has(pd.url) || isCoordinationProtocol(pd)));
    for (const pd of overriding) byUrl.set(pd.url as string, pd);
    const actions = [...byUrl.values()].flatMap((pd) => {
      try {
        return prepareProtocols([pd]).actions;
      } catch {
        // Written before the write-time check, or by a path that skipped it: never applied.
        this.warnOnce(`invalid:${tenantId}:${pd.id}@${pd.meta?.versionId}`, { tenantId, planDefinition: pd.id }, 'invalid protocol ignored');
        return [];
      }
    });
    return { actions };
  }

  private warnOnce(key: string, fields: Record<string, unknown>, message: string): void {
    if (this.warnedCalendars.has(key)) return;
    this.warnedCalendars.add(key);
    this.log.warn(fields, message);
  }
}
