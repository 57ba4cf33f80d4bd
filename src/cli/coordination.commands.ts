import type { DataSource } from 'typeorm';
import { createLiaisonApp } from '../app.factory';
import { CoordinationService, TaskSweepJob } from '../coordination';
import type { CoordinationSettingsInput, StoredCoordinationSettings } from '../coordination';
import { configFromProcessOrExit } from '../platform/config/process-config';
import { inTenant } from '../platform/database/tenant-scope';
import { isValidTenantId } from '../tenancy/tenants.service';
import { UsageError } from './args';
import type { Command } from './commands';

const json = { kind: 'flag', description: 'print JSON instead of text' } as const;

/**
 * Runs `work` with the application built on the CLI's database (not listening: no HTTP, no
 * MLLP, no schedule), so a setting is checked and a sweep runs exactly as in the service.
 */
async function withApp<T>(db: DataSource, work: (get: <S>(type: new (...args: never[]) => S) => S) => Promise<T>): Promise<T> {
  const url = (db.options as { url?: string }).url;
  if (!url) throw new Error('the CLI database has no URL');
  const config = { ...configFromProcessOrExit(), mllpPort: 0, sweepIntervalSeconds: 0, logLevel: 'warn' as const };
  const app = await createLiaisonApp(config, url);
  try {
    await app.init();
    return await work((type) => app.get(type));
  } finally {
    await app.close();
  }
}

function tenantOf(options: ReadonlyMap<string, string | true>): string {
  const tenant = options.get('tenant');
  const id = typeof tenant === 'string' ? tenant.trim() : 'default';
  if (!isValidTenantId(id)) throw new UsageError(`--tenant "${id}" is not a tenant id (1-63 lower-case letters, digits or "-")`);
  return id;
}

function text(options: ReadonlyMap<string, string | true>, name: string): string | undefined {
  const found = options.get(name);
  if (found === undefined) return undefined;
  if (typeof found !== 'string' || found.trim() === '') throw new UsageError(`--${name} needs a value`);
  return found.trim();
}

function printSettings(out: (line: string) => void, tenantId: string, settings: StoredCoordinationSettings): void {
  out(`tenant ${tenantId}`);
  out(`time zone:                ${settings.timeZone}`);
  out(`holiday calendar:         ${settings.calendar}`);
  out(`default queue:            ${settings.defaultQueue}`);
  out(`supervisor queue:         ${settings.supervisorQueue}`);
  out(`coordinators:             ${settings.coordinators.length > 0 ? settings.coordinators.join(', ') : '(none: round-robin work goes to the default queue)'}`);
  out(`next in turn:             ${settings.coordinators.length > 0 ? settings.coordinators[settings.roundRobinNext % settings.coordinators.length] : '-'}`);
  out(`escalations due in:       ${settings.escalationBusinessDays} business day(s)`);
}

/** `coordination:settings`, `coordination:sweep`: a tenant's coordination settings, and the schedule run by hand. */
export const COORDINATION_COMMANDS: Readonly<Record<string, Command>> = {
  'coordination:settings': {
    summary: "show a tenant's coordination settings, or change those given (time zone, calendar, queues, coordinators)",
    options: {
      tenant: { kind: 'value', description: 'the tenant (default: default)' },
      'time-zone': { kind: 'value', description: 'IANA time zone business days are counted in, e.g. America/Chicago' },
      calendar: { kind: 'value', description: 'holiday calendar: the id of a file in fhir-profiles/calendars (us-federal)' },
      'default-queue': { kind: 'value', description: 'reference of the default work queue, e.g. HealthcareService/care-coordination' },
      'supervisor-queue': { kind: 'value', description: 'reference escalations go to, e.g. HealthcareService/coordination-supervisors' },
      coordinators: { kind: 'value', description: 'comma-separated references taking encounters in turn ("" for none)' },
      'escalation-business-days': { kind: 'value', description: 'business days an escalation Task is due in' },
      json,
    },
    async prepare(options) {
      const tenantId = tenantOf(options);
      const days = text(options, 'escalation-business-days');
      if (days !== undefined && !/^\d{1,2}$/.test(days)) throw new UsageError('--escalation-business-days must be a whole number of days');
      const coordinators = options.get('coordinators');
      const change: Partial<CoordinationSettingsInput> = {
        ...(text(options, 'time-zone') && { timeZone: text(options, 'time-zone') }),
        ...(text(options, 'calendar') && { calendar: text(options, 'calendar') }),
        ...(text(options, 'default-queue') && { defaultQueue: text(options, 'default-queue') }),
        ...(text(options, 'supervisor-queue') && { supervisorQueue: text(options, 'supervisor-queue') }),
        ...(typeof coordinators === 'string' && {
          coordinators: coordinators.split(',').map((c) => c.trim()).filter(Boolean),
        }),
        ...(days !== undefined && { escalationBusinessDays: Number(days) }),
      };
      return async ({ db, out }) => {
        const settings = await withApp(db, (get) =>
          inTenant(db, tenantId, async (tx) => {
            const coordination = get(CoordinationService);
            const current = await coordination.readSettings(tx, tenantId);
            if (Object.keys(change).length === 0) return current;
            const { roundRobinNext: _cursor, ...editable } = current;
            return coordination.configure(tx, tenantId, { ...editable, ...change });
          }),
        );
        if (options.has('json')) out(JSON.stringify({ tenantId, ...settings }));
        else printSettings(out, tenantId, settings);
      };
    },
  },
  'coordination:sweep': {
    summary: 'run the coordination schedule once now (reminders become ready, overdue Tasks are escalated); prints what it did',
    options: { json },
    async prepare(options) {
      return async ({ db, out }) => {
        const report = await withApp(db, (get) => get(TaskSweepJob).runOnce());
        if (options.has('json')) {
          out(JSON.stringify(report));
          return;
        }
        out(`tenants: ${report.tenants}, batches: ${report.batches}, due Tasks examined: ${report.examined}`);
        out(`became ready: ${report.becameReady}, marked overdue: ${report.becameOverdue}, escalated: ${report.escalated}`);
        if (report.skipped + report.busyTenants + report.failedTenants > 0) {
          out(`left for the next run: ${report.skipped} changed meanwhile, ${report.busyTenants} tenant(s) swept by another instance, ${report.failedTenants} failed (see the log)`);
        }
      };
    },
  },
};
