import { createServer, IncomingHttpHeaders, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bundle, Parameters } from '@medplum/fhirtypes';

/** One POST the receiver got. */
export interface ReceivedWebhook {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly bundle: Bundle;
  readonly receivedAt: number;
}

/** How the receiver answers a request: a status (and headers), or no answer for `delayMs`. */
export interface Reply {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
}

/**
 * A real HTTP server on loopback that records webhook POSTs and answers as the test says
 * (`reply`, per request; default 200).
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  reply: (request: ReceivedWebhook, index: number) => Reply = () => ({ status: 200 });
  private readonly waiters: { predicate: () => boolean; resolve: () => void }[] = [];
  private server: Server | undefined;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  /** An endpoint of its own on this receiver (requests are told apart by path). */
  urlFor(name: string): string {
    return `${this.url}/${name}`;
  }

  /** What arrived at `urlFor(name)`, optionally only of one notification type. */
  at(name: string, type?: string): ReceivedWebhook[] {
    return this.received.filter((r) => r.path === `/hook/${name}` && (type === undefined || typeOf(r.bundle) === type));
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        let bundle: Bundle;
        try {
          bundle = JSON.parse(body) as Bundle;
        } catch {
          bundle = { resourceType: 'Bundle', type: 'collection' };
        }
        const received: ReceivedWebhook = { path: req.url ?? '', headers: req.headers, body, bundle, receivedAt: Date.now() };
        const index = this.received.length;
        this.received.push(received);
        const reply = this.reply(received, index);
        const answer = (response: ServerResponse): void => {
          if (response.destroyed) return;
          response.writeHead(reply.status, reply.headers ?? {});
          response.end();
        };
        if (reply.delayMs) setTimeout(() => answer(res), reply.delayMs);
        else answer(res);
        this.notify();
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Waits until `predicate` holds (checked on every request), failing after `timeoutMs`. */
  async waitFor(predicate: () => boolean, timeoutMs = 15_000, what = 'webhooks'): Promise<void> {
    if (predicate()) return;
    await new Promise<void>((resolve, reject) => {
      const waiter = { predicate, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`timed out waiting for ${what}; got ${this.received.length} request(s): ${this.received.map((r) => typeOf(r.bundle)).join(', ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** The notifications of one type (handshake, heartbeat, event-notification). */
  ofType(type: string): ReceivedWebhook[] {
    return this.received.filter((r) => typeOf(r.bundle) === type);
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate()) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }
}

/** The status Parameters (first entry) of a notification. */
export function statusOf(bundle: Bundle): Parameters {
  return bundle.entry?.[0]?.resource as Parameters;
}

export function parameter(bundle: Bundle, name: string): unknown {
  const p = statusOf(bundle)?.parameter?.find((x) => x.name === name);
  return p && (p.valueCode ?? p.valueString ?? p.valueCanonical ?? p.valueReference?.reference);
}

export function typeOf(bundle: Bundle): string | undefined {
  return parameter(bundle, 'type') as string | undefined;
}

/** Event numbers of a notification (from its notification-event parameters). */
export function eventNumbersOf(bundle: Bundle): number[] {
  return (statusOf(bundle)?.parameter ?? [])
    .filter((p) => p.name === 'notification-event')
    .map((p) => Number(p.part?.find((part) => part.name === 'event-number')?.valueString));
}

/** Focus references of a notification's events. */
export function focusesOf(bundle: Bundle): string[] {
  return (statusOf(bundle)?.parameter ?? [])
    .filter((p) => p.name === 'notification-event')
    .flatMap((p) => p.part?.filter((part) => part.name === 'focus').map((part) => part.valueReference?.reference ?? '') ?? []);
}
