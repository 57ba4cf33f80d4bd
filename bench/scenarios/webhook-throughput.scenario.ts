import type { BenchContext, BenchScenario } from '../scenario';
import { accessToken } from '../service-token';
import { BenchReceiver, benchSubscription, waitFor } from './webhook-latency.scenario';

/**
 * Topic-based Subscriptions (issue 7), deliveries per second at saturation: 20 subscriptions
 * to one loopback receiver, paused while a backlog of 5,000 Task creations (100,000
 * notifications) is written, then resumed; each operation is one webhook arriving. One event
 * per notification, each signed and acknowledged in the database before the next one of its
 * subscription. Target: ≥ 2,000 deliveries/s.
 */

const SUBSCRIPTIONS = 20;
const BACKLOG_TASKS = 5_000;
const BUNDLE_SIZE = 500;

export const webhookThroughput: BenchScenario = {
  name: 'webhook-throughput',
  description: `webhooks delivered per second to a loopback receiver: ${SUBSCRIPTIONS} subscriptions with a backlog (one operation = one delivery)`,
  async service(context: BenchContext) {
    const receiver = await new BenchReceiver().start();
    const headers = { authorization: `Bearer ${await accessToken(context.baseUrl, context.client)}`, 'content-type': 'application/fhir+json' };
    const subscriptions: Record<string, unknown>[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const created = await fetch(new URL('/fhir/R4/Subscription', context.baseUrl), { method: 'POST', headers, body: benchSubscription(receiver.url, 'off') });
      if (created.status !== 201) throw new Error(`POST /fhir/R4/Subscription answered ${created.status}: ${await created.text()}`);
      subscriptions.push((await created.json()) as Record<string, unknown>);
    }
    for (let written = 0; written < BACKLOG_TASKS; written += BUNDLE_SIZE) {
      const bundle = {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: Array.from({ length: BUNDLE_SIZE }, () => ({
          resource: { resourceType: 'Task', status: 'requested', intent: 'order', description: 'backlog' },
          request: { method: 'POST', url: 'Task' },
        })),
      };
      const response = await fetch(new URL('/fhir/R4', context.baseUrl), { method: 'POST', headers, body: JSON.stringify(bundle) });
      if (response.status !== 200) throw new Error(`the backlog transaction answered ${response.status}`);
    }
    for (const subscription of subscriptions) {
      const { channel, ...rest } = subscription as { channel: Record<string, unknown> };
      const extension = (channel.extension as { url: string }[] | undefined)?.filter((e) => !e.url.endsWith('/webhook-secret'));
      const resumed = { ...rest, status: 'requested', channel: { ...channel, ...(extension?.length ? { extension } : { extension: undefined }) } };
      const response = await fetch(new URL(`/fhir/R4/Subscription/${String(subscription.id)}`, context.baseUrl), { method: 'PUT', headers, body: JSON.stringify(resumed) });
      if (response.status !== 200) throw new Error(`resuming a subscription answered ${response.status}: ${await response.text()}`);
    }
    await waitFor(() => receiver.handshakes === SUBSCRIPTIONS, 'the handshakes');
    return {
      kind: 'loop',
      async open() {
        return { once: () => receiver.nextNotification(), close: async () => undefined };
      },
    };
  },
  async floor(context) {
    await context.sql(`CREATE TABLE IF NOT EXISTS bench_floor_webhook_deliveries (id int PRIMARY KEY, delivered bigint NOT NULL)`);
    await context.sql(`INSERT INTO bench_floor_webhook_deliveries SELECT g, 0 FROM generate_series(0, ${SUBSCRIPTIONS - 1}) g ON CONFLICT DO NOTHING`);
    return {
      description: `UPDATE one of ${SUBSCRIPTIONS} delivery rows per delivery (the acknowledgement alone, autocommitted)`,
      async once(db, iteration) {
        await db.query('UPDATE bench_floor_webhook_deliveries SET delivered = delivered + 1 WHERE id = $1', [iteration % SUBSCRIPTIONS]);
      },
    };
  },
};
