import { OperationOutcomeError } from '@medplum/core';
import { parseScope, splitScopes } from '@liaison/smart-scopes';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DataSource } from 'typeorm';
import { asService } from '../platform/database/tenant-scope';
import { isValidTenantId, TenantsService } from '../tenancy/tenants.service';
import { ApiClientsService } from '../auth/api-clients.service';
import { OptionSpec, UsageError } from './args';
import { INGEST_COMMANDS } from './ingest.commands';
import { COORDINATION_COMMANDS } from './coordination.commands';

export interface CliContext {
  readonly db: DataSource;
  /** Writes one line to stdout. */
  readonly out: (line: string) => void;
}

/** What a command does once the database is reachable. */
export type CommandRun = (context: CliContext) => Promise<void>;

export interface Command {
  readonly summary: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Checks the arguments without touching the database (a typo fails fast) and returns the work. */
  prepare(options: ReadonlyMap<string, string | true>, cwd: string): Promise<CommandRun>;
}

function value(options: ReadonlyMap<string, string | true>, name: string): string | undefined {
  const found = options.get(name);
  return typeof found === 'string' ? found : undefined;
}

function requiredValue(options: ReadonlyMap<string, string | true>, name: string): string {
  const found = value(options, name);
  if (found === undefined || found.trim() === '') throw new UsageError(`--${name} needs a value`);
  return found.trim();
}

function tenantOption(options: ReadonlyMap<string, string | true>, name: string): string {
  const tenant = requiredValue(options, name);
  if (!isValidTenantId(tenant)) {
    throw new UsageError(`--${name} "${tenant}" is not a tenant id (1-63 lower-case letters, digits or "-")`);
  }
  return tenant;
}

/** `--scopes "system/*.rs system/Task.cruds"` (spaces or commas); each must be a SMART scope. */
function scopesOption(options: ReadonlyMap<string, string | true>): string[] {
  const scopes = splitScopes(requiredValue(options, 'scopes').replace(/,/g, ' '));
  const bad = scopes.find((scope) => !parseScope(scope));
  if (bad !== undefined) throw new UsageError(`--scopes: "${bad}" is not a SMART scope (e.g. system/Task.rs, system/*.cruds, system/Patient.read)`);
  if (scopes.length === 0) throw new UsageError('--scopes needs at least one scope');
  return scopes;
}

async function jwksOption(options: ReadonlyMap<string, string | true>, cwd: string): Promise<unknown> {
  const file = value(options, 'jwks-file');
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`--jwks-file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`--jwks-file ${file} is not JSON`);
  }
}

function services(db: DataSource): { tenants: TenantsService; clients: ApiClientsService } {
  return { tenants: new TenantsService(), clients: ApiClientsService.standalone(db) };
}

const json = { kind: 'flag', description: 'print JSON instead of text' } as const;

/** The CLI's commands, by name. */
export const COMMANDS: Readonly<Record<string, Command>> = {
  'tenants:create': {
    summary: 'create a tenant',
    options: {
      id: { kind: 'value', required: true, description: 'tenant id: lower-case letters, digits, -' },
      name: { kind: 'value', required: true, description: 'display name' },
      json,
    },
    async prepare(options) {
      const id = tenantOption(options, 'id');
      const name = requiredValue(options, 'name');
      return async ({ db, out }) => {
        const tenant = await asService(db, (tx) => services(db).tenants.create(tx, id, name));
        out(options.has('json') ? JSON.stringify({ id: tenant.id, name: tenant.name }) : `created tenant ${tenant.id} (${tenant.name})`);
      };
    },
  },
  'clients:create': {
    summary: 'register an API client; prints its secret once',
    options: {
      tenant: { kind: 'value', required: true, description: 'the tenant the client belongs to' },
      scopes: { kind: 'value', required: true, description: 'the most its tokens may grant, e.g. "system/*.rs"' },
      name: { kind: 'value', description: 'display name (default: the client id)' },
      id: { kind: 'value', description: 'client id (default: random)' },
      'jwks-file': { kind: 'value', description: 'public JWKS (JSON) for private_key_jwt' },
      'no-secret': { kind: 'flag', description: 'no secret: the client authenticates with private_key_jwt only' },
      json,
    },
    async prepare(options, cwd) {
      const tenantId = tenantOption(options, 'tenant');
      const scopes = scopesOption(options);
      const jwks = await jwksOption(options, cwd);
      const withSecret = !options.has('no-secret');
      if (!withSecret && jwks === undefined) throw new UsageError('--no-secret needs --jwks-file (the client must authenticate somehow)');
      const request = { tenantId, scopes, name: value(options, 'name'), clientId: value(options, 'id'), jwks, withSecret };
      return async ({ db, out }) => {
        const created = await services(db).clients.create(request);
        if (options.has('json')) {
          out(JSON.stringify({ client_id: created.clientId, client_secret: created.clientSecret, tenant: created.tenantId, scopes: created.scopes }));
          return;
        }
        out(`client_id:     ${created.clientId}`);
        if (created.clientSecret !== undefined) out(`client_secret: ${created.clientSecret}`);
        out(`tenant:        ${created.tenantId}`);
        out(`scopes:        ${created.scopes.join(' ')}`);
        if (created.clientSecret !== undefined) out('The secret is shown only now; store it safely.');
      };
    },
  },
  'clients:list': {
    summary: "list a tenant's API clients (never their secrets)",
    options: { tenant: { kind: 'value', required: true, description: 'tenant id' }, json },
    async prepare(options) {
      const tenantId = tenantOption(options, 'tenant');
      return async ({ db, out }) => {
        const clients = await services(db).clients.list(tenantId);
        if (options.has('json')) {
          out(JSON.stringify(clients.map((c) => ({ client_id: c.clientId, name: c.name, scopes: c.scopes, active: c.active, authentication: c.authentication }))));
          return;
        }
        if (clients.length === 0) out(`tenant ${tenantId} has no API clients`);
        for (const c of clients) {
          out([c.clientId, c.active ? 'active' : 'disabled', c.authentication.join(',') || '-', c.scopes.join(' '), c.name].join('\t'));
        }
      };
    },
  },
  'clients:disable': {
    summary: 'disable an API client (no new tokens; issued ones run out)',
    options: { id: { kind: 'value', required: true, description: 'client id' }, json },
    async prepare(options) {
      const clientId = requiredValue(options, 'id');
      return async ({ db, out }) => {
        await services(db).clients.disable(clientId);
        out(options.has('json') ? JSON.stringify({ client_id: clientId, active: false }) : `disabled client ${clientId}`);
      };
    },
  },
  ...INGEST_COMMANDS,
  ...COORDINATION_COMMANDS,
};

/** One line for an error a command ran into: the OperationOutcome's text, or the message. */
export function describeCliError(error: unknown): string {
  if (error instanceof OperationOutcomeError) {
    return error.outcome.issue?.map((issue) => issue.details?.text ?? issue.diagnostics ?? issue.code).join('; ') ?? error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

export function usage(): string {
  const lines = ['usage: npm run liaison -- <command> [options]', '', 'commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) {
    lines.push(`  ${name.padEnd(16)} ${command.summary}`);
    for (const [option, spec] of Object.entries(command.options)) {
      const flag = spec.kind === 'value' ? `--${option} <value>` : `--${option}`;
      lines.push(`      ${flag.padEnd(22)} ${spec.required ? '(required) ' : ''}${spec.description}`);
    }
  }
  return lines.join('\n');
}
