import { ConfigError, LiaisonConfig, loadConfig } from './config';

const CWD = '/srv/liaison';

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env, CWD);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults every variable (DESIGN.md configuration table)', () => {
    expect(loadConfig({}, CWD)).toMatchObject<Partial<LiaisonConfig>>({
      port: 3000,
      host: '0.0.0.0',
      mllpPort: 2575,
      databaseUrl: undefined,
      dataDir: '/srv/liaison/.liaison',
      baseUrl: 'http://localhost:3000',
      adminClient: undefined,
      webhookAllowlist: [],
      mllpFacilities: undefined,
      tokenTtlSeconds: 300,
      logLevel: 'info',
      production: false,
    });
  });

  it.each<[string, Record<string, string>, Partial<LiaisonConfig>]>([
    ['reads whole numbers, trimmed', { PORT: ' 8080 ', MLLP_PORT: '0' }, { port: 8080, mllpPort: 0 }],
    ['derives the base URL from PORT', { PORT: '8080' }, { baseUrl: 'http://localhost:8080' }],
    ['drops trailing slashes of the base URL', { LIAISON_BASE_URL: 'https://liaison.example.org/api//' }, { baseUrl: 'https://liaison.example.org/api' }],
    ['treats an empty value as unset', { PORT: '', LOG_LEVEL: '' }, { port: 3000, logLevel: 'info' }],
    ['ignores variables it does not own', { HOSTNAME: 'x', PGPORT: 'nope' }, { port: 3000 }],
    ['resolves a relative data folder against the working directory', { LIAISON_DATA_DIR: 'data/liaison' }, { dataDir: '/srv/liaison/data/liaison' }],
    ['keeps an absolute data folder', { LIAISON_DATA_DIR: '/var/lib/liaison' }, { dataDir: '/var/lib/liaison' }],
    ['accepts postgres and postgresql URLs', { DATABASE_URL: 'postgresql://u:p@db:5432/liaison' }, { databaseUrl: 'postgresql://u:p@db:5432/liaison' }],
    [
      'ensures the admin client only when id and secret are both set',
      { LIAISON_ADMIN_CLIENT_ID: 'ops-admin', LIAISON_ADMIN_CLIENT_SECRET: 'a-secret-of-20-chars' },
      { adminClient: { clientId: 'ops-admin', clientSecret: 'a-secret-of-20-chars' } },
    ],
    ['reads the token lifetime', { LIAISON_TOKEN_TTL_SECONDS: '900' }, { tokenTtlSeconds: 900 }],
    ['reads the log level', { LOG_LEVEL: 'debug' }, { logLevel: 'debug' }],
    ['knows production', { NODE_ENV: 'production' }, { production: true }],
    ['is not production in test', { NODE_ENV: 'test' }, { production: false }],
    ['defaults the MLLP limits', {}, { mllpIdleTimeoutSeconds: 600, mllpMaxMessageBytes: 4194304, testMllpAckDelayMs: 0 }],
    ['reads the MLLP limits', { LIAISON_MLLP_IDLE_TIMEOUT_SECONDS: '30', LIAISON_MLLP_MAX_MESSAGE_BYTES: '65536' }, { mllpIdleTimeoutSeconds: 30, mllpMaxMessageBytes: 65536 }],
    ['runs the coordination schedule every minute by default', {}, { sweepIntervalSeconds: 60 }],
    ['reads the schedule interval; 0 disables it', { LIAISON_SWEEP_INTERVAL_SECONDS: '0' }, { sweepIntervalSeconds: 0 }],
    ['takes the ACK delay test hook under NODE_ENV=test', { NODE_ENV: 'test', LIAISON_TEST_MLLP_ACK_DELAY_MS: '500' }, { testMllpAckDelayMs: 500 }],
  ])('%s', (_title, env, expected) => {
    expect(loadConfig(env, CWD)).toMatchObject(expected);
  });

  it('maps each sending facility to its tenant', () => {
    const config = loadConfig({ LIAISON_MLLP_FACILITIES: 'EPIC_MAIN=north,  CERNER-2=south-1 ,X=default' }, CWD);
    expect(config.mllpFacilities).toEqual(
      new Map([
        ['EPIC_MAIN', 'north'],
        ['CERNER-2', 'south-1'],
        ['X', 'default'],
      ]),
    );
  });

  it('classifies webhook allowlist entries as ip, host or CIDR', () => {
    const config = loadConfig({ LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1, receiver.local ,10.0.0.0/8,::1,fd00::/64' }, CWD);
    expect(config.webhookAllowlist).toEqual([
      { raw: '127.0.0.1', kind: 'ip' },
      { raw: 'receiver.local', kind: 'host' },
      { raw: '10.0.0.0/8', kind: 'cidr' },
      { raw: '::1', kind: 'ip' },
      { raw: 'fd00::/64', kind: 'cidr' },
    ]);
  });

  it.each<[Record<string, string>, string]>([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '3000.5' }, 'PORT'],
    [{ PORT: '65536' }, 'PORT'],
    [{ MLLP_PORT: '-1' }, 'MLLP_PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LIAISON_BASE_URL: 'localhost:3000' }, 'LIAISON_BASE_URL'],
    [{ LIAISON_ADMIN_CLIENT_ID: 'admin' }, 'LIAISON_ADMIN_CLIENT_SECRET'],
    [{ LIAISON_ADMIN_CLIENT_SECRET: 'a-secret-of-20-chars' }, 'LIAISON_ADMIN_CLIENT_ID'],
    [{ LIAISON_ADMIN_CLIENT_ID: 'admin', LIAISON_ADMIN_CLIENT_SECRET: 'too-short' }, 'LIAISON_ADMIN_CLIENT_SECRET'],
    [{ LIAISON_ADMIN_CLIENT_ID: 'has space', LIAISON_ADMIN_CLIENT_SECRET: 'a-secret-of-20-chars' }, 'LIAISON_ADMIN_CLIENT_ID'],
    [{ LIAISON_WEBHOOK_ALLOWLIST: 'a,,b' }, 'LIAISON_WEBHOOK_ALLOWLIST'],
    [{ LIAISON_WEBHOOK_ALLOWLIST: '10.0.0.0/33' }, 'LIAISON_WEBHOOK_ALLOWLIST'],
    [{ LIAISON_WEBHOOK_ALLOWLIST: 'example.org/24' }, 'LIAISON_WEBHOOK_ALLOWLIST'],
    [{ LIAISON_MLLP_FACILITIES: 'bad' }, 'LIAISON_MLLP_FACILITIES'],
    [{ LIAISON_MLLP_FACILITIES: 'A=Upper' }, 'LIAISON_MLLP_FACILITIES'],
    [{ LIAISON_MLLP_FACILITIES: 'A=one,A=two' }, 'LIAISON_MLLP_FACILITIES'],
    [{ LIAISON_TOKEN_TTL_SECONDS: '30' }, 'LIAISON_TOKEN_TTL_SECONDS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ LIAISON_SWEEP_INTERVAL_SECONDS: 'hourly' }, 'LIAISON_SWEEP_INTERVAL_SECONDS'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV'],
    [{ LIAISON_MLLP_IDLE_TIMEOUT_SECONDS: '0' }, 'LIAISON_MLLP_IDLE_TIMEOUT_SECONDS'],
    [{ LIAISON_MLLP_MAX_MESSAGE_BYTES: '100' }, 'LIAISON_MLLP_MAX_MESSAGE_BYTES'],
    [{ LIAISON_TEST_MLLP_ACK_DELAY_MS: '500' }, 'LIAISON_TEST_MLLP_ACK_DELAY_MS'],
    [{ NODE_ENV: 'production', LIAISON_TEST_MLLP_ACK_DELAY_MS: '500' }, 'LIAISON_TEST_MLLP_ACK_DELAY_MS'],
  ])('refuses %j, naming %s in one line', (env, variable) => {
    const error = errorOf(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toMatch(new RegExp(`^Invalid configuration: ${variable} \\S`));
    expect(error.message).not.toContain('\n');
  });

  it('names the first offending variable when several are wrong', () => {
    expect(errorOf({ PORT: 'abc', LOG_LEVEL: 'loud' }).variable).toBe('PORT');
  });

  it('is frozen', () => {
    const config = loadConfig({ LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1' }, CWD);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.webhookAllowlist)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
    expect(config.port).toBe(3000);
  });
});
