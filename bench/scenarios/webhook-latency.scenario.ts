import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import type { BenchContext, BenchScenario } from '../scenario';
import { accessToken } from '../service-token';

/**
 * Topic-based Subscriptions (issue 7), commit to delivery: Tasks are created over FHIR at a
 * steady 200/s (paced, not back to back) and each is timed from its POST until the webhook
 * notifying it arrives at a receiver on loopback. The POST returns after the commit, so the
 * figure is commit-to-delivery plus one request. Target: p99 < 250 ms.
 */

const RATE_PER_SECOND = 200;
const DELIVERY_TIMEOUT_MS = 10_000;
const TOPIC = 'http://liaison.health/fhir/SubscriptionTopic/task-created';

/** A webhook endpoint in the benchmark process: counts notifications, resolves waiters by focus id. */
export class BenchReceiver {
  private server: Server | undefined;
  private readonly waiters = new Map<string, () => void>();
  private readonly arrived = new Set<string>();
  private readonly nextDelivery: (() => void)[] = [];
  /** Event notifications that arrived with nobody waiting for "the next one". */
  banked = 0;
  handshakes = 0;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.writeHead(204).end();
        this.received(Buffer.concat(chunks).toString('utf8'));
      });
    });
    this.server.keepAliveTimeout = 60_000;
    this.server.unref();
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  /** Resolves when a notification about `Task/<id>` has arrived. */
  delivered(id: string): Promise<void> {
    if (this.arrived.delete(id)) return Promise.resolve();
    return withTimeout(new Promise<void>((resolve) => this.waiters.set(id, resolve)), `no webhook for Task/${id}`, () => this.waiters.delete(id));
  }

  /** Resolves at the next event notification (or at once for one that arrived unclaimed). */
  nextNotification(): Promise<void> {
    if (this.banked > 0) {
      this.banked--;
      return Promise.resolve();
    }
    let waiter: () => void = () => undefined;
    return withTimeout(new Promise<void>((resolve) => this.nextDelivery.push((waiter = resolve))), 'no webhook arrived', () => {
      const index = this.nextDelivery.indexOf(waiter);
      if (index >= 0) this.nextDelivery.splice(index, 1);
    });
  }

  private received(body: string): void {
    const bundle = JSON.parse(body) as { entry?: { resource?: { parameter?: { name: string; valueCode?: string; part?: { name: string; valueReference?: { reference?: string } }[] }[] } }[] };
    const parameters = bundle.entry?.[0]?.resource?.parameter ?? [];
    if (parameters.find((p) => p.name === 'type')?.valueCode === 'handshake') {
      this.handshakes++;
      return;
    }
    for (const event of parameters.filter((p) => p.name === 'notification-event')) {
      const id = event.part?.find((part) => part.name === 'focus')?.valueReference?.reference?.split('/').pop();
      if (!id) continue;
      const waiter = this.waiters.get(id);
      if (waiter) {
        this.waiters.delete(id);
        waiter();
      } else {
        this.arrived.add(id);
      }
    }
    const next = this.nextDelivery.shift();
    if (next) next();
    else this.banked++;
  }
}

function withTimeout(promise: Promise<void>, message: string, onTimeout: () => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        onTimeout();
        reject(new Error(message));
      }, DELIVERY_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A backport Subscription to `endpoint` (id-only, one event per notification). */
export function benchSubscription(endpoint: string, status: 'requested' | 'off' = 'requested'): string {
  return JSON.stringify({
    resourceType: 'Subscription',
    status,
    reason: 'benchmark',
    criteria: TOPIC,
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      _payload: { extension: [{ url: 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-payload-content', valueCode: 'id-only' }] },
    },
  });
}

export async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const TASK = JSON.stringify({ resourceType: 'Task', status: 'requested', intent: 'order', description: 'benchmark' });

export const webhookLatency: BenchScenario = {
  name: 'webhook-latency',
  description: `Task created over FHIR → its webhook at a loopback receiver, paced at ${RATE_PER_SECOND}/s (commit-to-delivery + 1 request)`,
  async service(context: BenchContext) {
    const receiver = await new BenchReceiver().start();
    const headers = { authorization: `Bearer ${await accessToken(context.baseUrl, context.client)}`, 'content-type': 'application/fhir+json' };
    const created = await fetch(new URL('/fhir/R4/Subscription', context.baseUrl), { method: 'POST', headers, body: benchSubscription(receiver.url) });
    if (created.status !== 201) throw new Error(`POST /fhir/R4/Subscription answered ${created.status}: ${await created.text()}`);
    await waitFor(() => receiver.handshakes === 1, 'the handshake');
    let workers = 0;
    return {
      kind: 'loop',
      async open() {
        workers++;
        return {
          // Every worker starts one Task per `workers × 5 ms`: 200/s in all.
          get intervalMs() {
            return (workers * 1000) / RATE_PER_SECOND;
          },
          async once() {
            const response = await fetch(new URL('/fhir/R4/Task', context.baseUrl), { method: 'POST', headers, body: TASK });
            if (response.status !== 201) throw new Error(`POST /fhir/R4/Task answered ${response.status}`);
            const { id } = (await response.json()) as { id: string };
            await receiver.delivered(id);
          },
          async close() {
            workers--;
          },
        };
      },
    };
  },
  async floor(context) {
    await context.sql(`CREATE TABLE IF NOT EXISTS bench_floor_webhook_events (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
    const listener = new Client({ connectionString: context.databaseUrl, application_name: 'liaison-bench-floor-listen' });
    // Never closed (the floor has no end hook): the database going away at the end is expected.
    listener.on('error', () => undefined);
    await listener.connect();
    const waiting = new Map<string, () => void>();
    listener.on('notification', (message) => {
      const resolve = waiting.get(message.payload ?? '');
      waiting.delete(message.payload ?? '');
      resolve?.();
    });
    await listener.query('LISTEN bench_floor_webhook');
    let next = 0;
    return {
      description: 'INSERT a row and NOTIFY in one transaction, until a LISTEN connection hears it (closed loop)',
      async once(db) {
        const key = String(next++);
        const heard = new Promise<void>((resolve) => waiting.set(key, resolve));
        await db.query('BEGIN');
        await db.query('INSERT INTO bench_floor_webhook_events DEFAULT VALUES');
        await db.query(`SELECT pg_notify('bench_floor_webhook', $1)`, [key]);
        await db.query('COMMIT');
        await heard;
      },
    };
  },
};
