import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
  ValidationError,
} from 'class-validator';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value.trim()) : value;

/** The environment as it arrives: strings, validated field by field. */
class EnvironmentVariables {
  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(0) @Max(65535)
  PORT?: number;

  @IsOptional() @IsString() @MinLength(1)
  HOST?: string;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(0) @Max(65535)
  MLLP_PORT?: number;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @IsString() @MinLength(1)
  LIAISON_DATA_DIR?: string;

  @IsOptional() @Matches(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/, { message: 'must be an http(s) URL' })
  LIAISON_BASE_URL?: string;

  @ValidateIf((env: EnvironmentVariables) => env.LIAISON_ADMIN_CLIENT_SECRET !== undefined)
  @Matches(/^[A-Za-z0-9._~-]{1,128}$/, {
    message: 'must be set with LIAISON_ADMIN_CLIENT_SECRET, 1-128 characters of [A-Za-z0-9._~-]',
  })
  LIAISON_ADMIN_CLIENT_ID?: string;

  @ValidateIf((env: EnvironmentVariables) => env.LIAISON_ADMIN_CLIENT_ID !== undefined)
  @IsString({ message: 'must be set with LIAISON_ADMIN_CLIENT_ID' })
  @MinLength(16, { message: 'must be at least 16 characters' })
  LIAISON_ADMIN_CLIENT_SECRET?: string;

  @IsOptional() @Matches(/^\s*[^,\s]+(\s*,\s*[^,\s]+)*\s*$/, { message: 'must be a comma-separated list of hosts or CIDRs' })
  LIAISON_WEBHOOK_ALLOWLIST?: string;

  @IsOptional() @Matches(/^\s*[^=,\s]+=[a-z0-9][a-z0-9-]{0,62}(\s*,\s*[^=,\s]+=[a-z0-9][a-z0-9-]{0,62})*\s*$/, {
    message: 'must look like FACILITY=tenant,OTHER=tenant (tenant ids: lower-case letters, digits, -)',
  })
  LIAISON_MLLP_FACILITIES?: string;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(60) @Max(3600)
  LIAISON_TOKEN_TTL_SECONDS?: number;

  @IsOptional() @IsString() @MinLength(1)
  LIAISON_SIGNING_KEY_FILE?: string;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(0) @Max(86400)
  LIAISON_SWEEP_INTERVAL_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1) @Max(86400)
  LIAISON_MLLP_IDLE_TIMEOUT_SECONDS?: number;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(1024) @Max(256 * 1024 * 1024)
  LIAISON_MLLP_MAX_MESSAGE_BYTES?: number;

  @IsOptional() @Transform(toInt) @IsInt({ message: 'must be a whole number' }) @Min(0) @Max(600_000)
  LIAISON_TEST_MLLP_ACK_DELAY_MS?: number;

  @IsOptional() @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: LogLevel;

  @IsOptional() @IsIn(['development', 'production', 'test'], { message: 'must be development, production or test' })
  NODE_ENV?: 'development' | 'production' | 'test';
}

export interface AdminClientConfig {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface WebhookAllowEntry {
  readonly raw: string;
  readonly kind: 'host' | 'ip' | 'cidr';
}

/** The validated, frozen configuration the whole service runs on. */
export interface LiaisonConfig {
  readonly port: number;
  readonly host: string;
  readonly mllpPort: number;
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  readonly baseUrl: string;
  readonly adminClient: AdminClientConfig | undefined;
  readonly webhookAllowlist: readonly WebhookAllowEntry[];
  /** Sending facility (MSH-4) to tenant id; undefined means every facility feeds the default tenant. */
  readonly mllpFacilities: ReadonlyMap<string, string> | undefined;
  readonly tokenTtlSeconds: number;
  /** A private JWK (JSON file) to sign access tokens with; undefined: generated under dataDir/keys. */
  readonly signingKeyFile: string | undefined;
  /** How often the coordination schedule (reminders, overdue Tasks) runs; 0 disables it. */
  readonly sweepIntervalSeconds: number;
  /** An MLLP connection with no traffic and no message in flight for this long is closed. */
  readonly mllpIdleTimeoutSeconds: number;
  /** Largest HL7 message (MLLP frame) accepted; a larger one is answered `AR` and not buffered. */
  readonly mllpMaxMessageBytes: number;
  /** Test hook (NODE_ENV=test only): wait this long between committing a message and writing its ACK. */
  readonly testMllpAckDelayMs: number;
  readonly logLevel: LogLevel;
  readonly production: boolean;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, readonly reason: string) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_TENANT_ID = 'default';

const VARIABLES = [
  'PORT', 'HOST', 'MLLP_PORT', 'DATABASE_URL', 'LIAISON_DATA_DIR', 'LIAISON_BASE_URL',
  'LIAISON_ADMIN_CLIENT_ID', 'LIAISON_ADMIN_CLIENT_SECRET', 'LIAISON_WEBHOOK_ALLOWLIST',
  'LIAISON_MLLP_FACILITIES', 'LIAISON_TOKEN_TTL_SECONDS', 'LIAISON_SIGNING_KEY_FILE', 'LIAISON_SWEEP_INTERVAL_SECONDS',
  'LIAISON_MLLP_IDLE_TIMEOUT_SECONDS', 'LIAISON_MLLP_MAX_MESSAGE_BYTES', 'LIAISON_TEST_MLLP_ACK_DELAY_MS', 'LOG_LEVEL', 'NODE_ENV',
] as const;

/** Only the variables we own; an empty value counts as unset. */
function pickKnown(env: Record<string, string | undefined>): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const key of VARIABLES) {
    const value = env[key];
    if (value !== undefined && value !== '') picked[key] = value;
  }
  return picked;
}

function firstError(errors: ValidationError[]): ConfigError | undefined {
  const error = errors[0];
  if (!error) return undefined;
  const reason = Object.values(error.constraints ?? {})[0] ?? 'is invalid';
  return new ConfigError(error.property, reason.replace(new RegExp(`^${error.property} `), ''));
}

function parseAllowlist(raw: string | undefined): WebhookAllowEntry[] {
  if (!raw) return [];
  return raw.split(',').map((part) => {
    const entry = part.trim();
    if (entry.includes('/')) {
      const [ip, bits] = entry.split('/');
      const family = isIP(ip);
      const max = family === 4 ? 32 : 128;
      if (!family || !/^\d+$/.test(bits) || Number(bits) > max) {
        throw new ConfigError('LIAISON_WEBHOOK_ALLOWLIST', `has an invalid CIDR "${entry}"`);
      }
      return { raw: entry, kind: 'cidr' as const };
    }
    return { raw: entry, kind: isIP(entry) ? ('ip' as const) : ('host' as const) };
  });
}

function parseFacilities(raw: string | undefined): Map<string, string> | undefined {
  if (!raw) return undefined;
  const map = new Map<string, string>();
  for (const pair of raw.split(',')) {
    const [facility, tenant] = pair.split('=').map((s) => s.trim());
    if (map.has(facility)) {
      throw new ConfigError('LIAISON_MLLP_FACILITIES', `names facility "${facility}" twice`);
    }
    map.set(facility, tenant);
  }
  return map;
}

/**
 * Reads and validates the environment once. Throws a ConfigError naming the first
 * offending variable; the caller prints it as one line and stops.
 */
export function loadConfig(env: Record<string, string | undefined>, cwd: string): LiaisonConfig {
  const vars = plainToInstance(EnvironmentVariables, pickKnown(env));
  const invalid = firstError(validateSync(vars, { forbidUnknownValues: false }));
  if (invalid) throw invalid;

  if (vars.LIAISON_TEST_MLLP_ACK_DELAY_MS && vars.NODE_ENV !== 'test') {
    throw new ConfigError('LIAISON_TEST_MLLP_ACK_DELAY_MS', 'is a test hook: it is only accepted with NODE_ENV=test');
  }
  const port = vars.PORT ?? 3000;
  const baseUrl = (vars.LIAISON_BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const adminClient =
    vars.LIAISON_ADMIN_CLIENT_ID && vars.LIAISON_ADMIN_CLIENT_SECRET
      ? { clientId: vars.LIAISON_ADMIN_CLIENT_ID, clientSecret: vars.LIAISON_ADMIN_CLIENT_SECRET }
      : undefined;

  return Object.freeze({
    port,
    host: vars.HOST ?? '0.0.0.0',
    mllpPort: vars.MLLP_PORT ?? 2575,
    databaseUrl: vars.DATABASE_URL,
    dataDir: resolve(cwd, vars.LIAISON_DATA_DIR ?? '.liaison'),
    baseUrl,
    adminClient,
    webhookAllowlist: Object.freeze(parseAllowlist(vars.LIAISON_WEBHOOK_ALLOWLIST)),
    mllpFacilities: parseFacilities(vars.LIAISON_MLLP_FACILITIES),
    tokenTtlSeconds: vars.LIAISON_TOKEN_TTL_SECONDS ?? 300,
    signingKeyFile: vars.LIAISON_SIGNING_KEY_FILE ? resolve(cwd, vars.LIAISON_SIGNING_KEY_FILE) : undefined,
    sweepIntervalSeconds: vars.LIAISON_SWEEP_INTERVAL_SECONDS ?? 60,
    mllpIdleTimeoutSeconds: vars.LIAISON_MLLP_IDLE_TIMEOUT_SECONDS ?? 600,
    mllpMaxMessageBytes: vars.LIAISON_MLLP_MAX_MESSAGE_BYTES ?? 4 * 1024 * 1024,
    testMllpAckDelayMs: vars.LIAISON_TEST_MLLP_ACK_DELAY_MS ?? 0,
    logLevel: vars.LOG_LEVEL ?? 'info',
    production: vars.NODE_ENV === 'production',
  });
}

export const LIAISON_CONFIG = Symbol('LIAISON_CONFIG');
