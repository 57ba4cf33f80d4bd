import type { DataSource } from 'typeorm';
import { createLiaisonApp } from '../app.factory';
import { IngestService, type IngestStatus } from '../ingest';
import { configFromProcessOrExit } from '../platform/config/process-config';
import { UsageError } from './args';
import type { Command } from './commands';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES: readonly IngestStatus[] = ['processed', 'error', 'rejected', 'failed'];
const json = { kind: 'flag', description: 'print JSON instead of text' } as const;

/**
 * Runs `work` with the service's ingest path, on the CLI's database: the application is built
 * (not listening: no HTTP, no MLLP, no schedule), so a reprocessed message goes through exactly
 * what the running service does, coordination included.
 */
async function withIngest<T>(db: DataSource, work: (ingest: IngestService) => Promise<T>): Promise<T> {
  const url = (db.options as { url?: string }).url;
  if (!url) throw new Error('the CLI database has no URL');
  const config = { ...configFromProcessOrExit(), mllpPort: 0, sweepIntervalSeconds: 0, logLevel: 'warn' as const };
  const app = await createLiaisonApp(config, url);
  try {
    await app.init();
    return await work(app.get(IngestService));
  } finally {
    await app.close();
  }
}

function text(value: string | null | undefined): string {
  return value === null || value === undefined || value === '' ? '-' : value;
}

/** `hl7:reprocess`, `hl7:list`: operators look at received messages and run one again after a fix. */
export const INGEST_COMMANDS: Readonly<Record<string, Command>> = {
  'hl7:reprocess': {
    summary: 'run a stored message (HL7 v2 or FHIR notification) through ingest again; prints the new outcome',
    options: {
      id: { kind: 'value', required: true, positional: true, description: 'the message id (hl7:list shows it)' },
      json,
    },
    async prepare(options) {
      const id = String(options.get('id')).trim();
      if (!UUID.test(id)) throw new UsageError(`"${id}" is not a message id (a UUID, as hl7:list prints it)`);
      return async ({ db, out }) => {
        const result = await withIngest(db, (ingest) => ingest.reprocess(id));
        if (options.has('json')) {
          out(JSON.stringify(result));
          return;
        }
        out(`message ${result.id}: ${text(result.messageType)} from ${text(result.sender)} (control id ${text(result.controlId)}), tenant ${result.tenantId}`);
        out(`before: ${result.before.status} (${text(result.before.replyCode)})`);
        out(`after:  ${result.after.status} (${result.after.replyCode})`);
        out(`effects: ${result.effects.length > 0 ? result.effects.join(' ') : 'none'}`);
        for (const line of result.reply.split(/\r\n|\r|\n/)) out(line);
      };
    },
  },
  'hl7:list': {
    summary: 'list received messages, newest first',
    options: {
      tenant: { kind: 'value', description: 'only this tenant' },
      status: { kind: 'value', description: `only this status: ${STATUSES.join(', ')}` },
      limit: { kind: 'value', description: 'how many (default 20, at most 1000)' },
      json,
    },
    async prepare(options) {
      const status = options.get('status');
      if (status !== undefined && !STATUSES.includes(status as IngestStatus)) throw new UsageError(`--status must be one of ${STATUSES.join(', ')}`);
      const limitText = options.get('limit');
      const limit = limitText === undefined ? 20 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be a whole number from 1 to 1000');
      const tenant = options.get('tenant');
      const filter = {
        ...(typeof tenant === 'string' && { tenantId: tenant }),
        ...(typeof status === 'string' && { status: status as IngestStatus }),
        limit,
      };
      return async ({ db, out }) => {
        const rows = await withIngest(db, (ingest) => ingest.list(filter));
        if (options.has('json')) {
          out(
            JSON.stringify(
              rows.map((r) => ({
                id: r.id,
                tenant: r.tenantId,
                protocol: r.protocol,
                sender: r.sender,
                control_id: r.controlId,
                message_type: r.messageType,
                received_at: r.receivedAt,
                status: r.status,
                reply_code: r.replyCode,
                attempts: r.attempts,
              })),
            ),
          );
          return;
        }
        if (rows.length === 0) out('no messages');
        for (const r of rows) {
          out([r.id, r.receivedAt.toISOString(), r.tenantId, r.protocol, text(r.sender), text(r.controlId), text(r.messageType), r.status, text(r.replyCode)].join('\t'));
        }
      };
    },
  },
};
