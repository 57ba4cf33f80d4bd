import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subscription } from '@medplum/fhirtypes';
import { Client } from 'pg';
import { generateClientSecret, hashClientSecret } from '../../src/auth/client-secret';
import { createTestDatabase, TestDatabase } from '../harness/test-database';
import { buildService, childEnv, freePort, Spawned, waitFor200 } from '../platform/compiled-service';
import { backportSubscription, fhirClient, TOPIC } from './support/subscription-client';
import { waitUntil } from './support/wait';
import { eventNumbersOf, WebhookReceiver } from './support/webhook-receiver';

const EVENTS = 1000;

/**
 * The service is killed (SIGKILL: no shutdown, no cleanup) while it delivers 1,000 events and
 * started again on the same database: every event still arrives, in order.
 */
describe('webhook delivery survives a killed service', () => {
  let database: TestDatabase;
  let receiver: WebhookReceiver;
  let dataDir: string;
  const children: Spawned[] = [];

  beforeAll(async () => {
    await buildService();
    database = await createTestDatabase();
    receiver = await new WebhookReceiver().start();
    receiver.reply = () => ({ status: 200, delayMs: 4 });
    dataDir = await mkdtemp(join(tmpdir(), 'liaison-crash-'));
  }, 240_000);
  afterAll(async () => {
    for (const child of children) await child.kill();
    await receiver?.stop();
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<{ child: Spawned; baseUrl: string }> {
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const child = new Spawned(
      'dist/src/main.js',
      childEnv({
        DATABASE_URL: database.url,
        PORT: String(port),
        HOST: '127.0.0.1',
        MLLP_PORT: '0',
        LIAISON_DATA_DIR: dataDir,
        // One public address for both lives of the service, as behind a load balancer.
        LIAISON_BASE_URL: 'https://liaison.example',
        LIAISON_WEBHOOK_ALLOWLIST: '127.0.0.1',
        LOG_LEVEL: 'warn',
      }),
    );
    children.push(child);
    await waitFor200(`${baseUrl}/health/live`, child, 60_000);
    return { child, baseUrl };
  }

  async function token(baseUrl: string): Promise<string> {
    // The token's audience is the public base URL; the request goes to this life's port.
    const clientId = 'crash-test';
    const secret = generateClientSecret();
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      await db.query(
        `INSERT INTO api_clients (client_id, tenant_id, name, secret_hash, jwks, scopes) VALUES ($1, 'default', $2, $3, NULL, $4)
         ON CONFLICT (client_id) DO UPDATE SET secret_hash = EXCLUDED.secret_hash`,
        [clientId, 'crash test client', await hashClientSecret(secret), ['system/*.*']],
      );
    } finally {
      await db.end();
    }
    const response = await fetch(`${baseUrl}/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=system/*.*',
    });
    return ((await response.json()) as { access_token: string }).access_token;
  }

  async function deliveredCount(): Promise<number> {
    const db = new Client({ connectionString: database.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ delivered_count: string }>(`SELECT delivered_count FROM event_subscriptions`);
      return Number(rows[0]?.delivered_count ?? 0);
    } finally {
      await db.end();
    }
  }

  it('delivers every one of 1,000 events at least once, in order, across a SIGKILL and a restart', async () => {
    const first = await start();
    const fhir = fhirClient(first.baseUrl, await token(first.baseUrl));
    const created = await fhir.post<Subscription>('/Subscription', backportSubscription({ topic: TOPIC('task-created'), endpoint: receiver.urlFor('crash'), timeoutSeconds: 2 }));
    expect(created.status).toBe(201);
    await receiver.waitFor(() => receiver.at('crash', 'handshake').length === 1, 20_000);

    for (let batch = 0; batch < 4; batch++) {
      const bundle = await fhir.post('/', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: Array.from({ length: EVENTS / 4 }, (_, i) => ({
          resource: { resourceType: 'Task', status: 'requested', intent: 'order', description: `crash ${batch * 250 + i}` },
          request: { method: 'POST', url: 'Task' },
        })),
      });
      expect(bundle.status).toBe(200);
    }
    await receiver.waitFor(() => receiver.at('crash', 'event-notification').length >= 200, 60_000, '200 deliveries');
    first.child.child.kill('SIGKILL');
    const exit = await first.child.exited;
    expect(exit.signal).toBe('SIGKILL');
    const beforeRestart = receiver.at('crash', 'event-notification').length;
    expect(beforeRestart).toBeLessThan(EVENTS);

    await start();
    await waitUntil(deliveredCount, (n) => n === EVENTS, 90_000, 'all events acknowledged');

    const received = receiver.at('crash', 'event-notification').flatMap((r) => eventNumbersOf(r.bundle));
    const firstSeen = received.filter((n, i) => received.indexOf(n) === i);
    expect(firstSeen).toEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));
    // In order: the numbers only ever go up, except once, at the restart, back to the first unacknowledged one.
    const stepsBack = received.flatMap((n, i) => (i > 0 && n <= received[i - 1] ? [[received[i - 1], n]] : []));
    expect(stepsBack.length).toBeLessThanOrEqual(1);
    for (const [last, resumed] of stepsBack) expect(last - resumed).toBeLessThanOrEqual(1);
    // A resent event is the same event: same focus, same webhook-id.
    const byNumber = new Map<number, Set<string>>();
    for (const r of receiver.at('crash', 'event-notification')) {
      const n = eventNumbersOf(r.bundle)[0];
      byNumber.set(n, (byNumber.get(n) ?? new Set()).add(`${r.bundle.entry![1].fullUrl} ${String(r.headers['webhook-id'])}`));
    }
    const inconsistent = [...byNumber].filter(([, seen]) => seen.size > 1).map(([n, seen]) => [n, [...seen]]);
    expect(inconsistent).toEqual([]);
  }, 240_000);
});
