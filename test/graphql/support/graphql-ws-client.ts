import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { TestApp } from '../../harness/test-app';

export interface LiveSubscription<T> {
  /** Payloads received so far (`data` of each `next`). */
  readonly received: T[];
  /** Errors of the operation (e.g. FORBIDDEN), as the server sent them. */
  readonly errors: { message: string; extensions?: { code?: string } }[];
  /** Resolves when the server completes the operation or it fails. */
  readonly ended: Promise<'complete' | 'error'>;
  /** The first payload after `index` matching `predicate`, waiting up to `timeoutMs`. */
  waitFor(predicate: (payload: T) => boolean, timeoutMs?: number, index?: number): Promise<T>;
  stop(): void;
}

/** A `graphql-ws` client (a client we did not write) for the service's WebSocket endpoint. */
export function wsClient(service: TestApp, connectionParams: Record<string, unknown> | undefined): Client & { closedWith: Promise<number> } {
  let closed!: (code: number) => void;
  const closedWith = new Promise<number>((resolve) => {
    closed = resolve;
  });
  const client = createClient({
    url: `${service.baseUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams,
    lazy: false,
    retryAttempts: 0,
    on: { closed: (event) => closed((event as { code: number }).code) },
    onNonLazyError: () => undefined,
  });
  return Object.assign(client, { closedWith });
}

export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): LiveSubscription<T> {
  const received: T[] = [];
  const errors: LiveSubscription<T>['errors'] = [];
  const waiters = new Set<() => void>();
  let end!: (how: 'complete' | 'error') => void;
  const ended = new Promise<'complete' | 'error'>((resolve) => {
    end = resolve;
  });
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...(result.errors as LiveSubscription<T>['errors']));
        if (result.data) received.push(result.data as T);
        for (const wake of waiters) wake();
      },
      error: (error) => {
        const list = Array.isArray(error) ? error : [error];
        errors.push(...list.map((e) => ({ message: String((e as Error).message ?? e), extensions: (e as { extensions?: { code?: string } }).extensions })));
        end('error');
        for (const wake of waiters) wake();
      },
      complete: () => {
        end('complete');
        for (const wake of waiters) wake();
      },
    },
  );
  return {
    received,
    errors,
    ended,
    stop,
    waitFor(predicate, timeoutMs = 10_000, index = 0) {
      return new Promise<T>((resolve, reject) => {
        const check = (): boolean => {
          const found = received.slice(index).find(predicate);
          if (found !== undefined) {
            cleanup();
            resolve(found);
            return true;
          }
          return false;
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no matching event within ${timeoutMs} ms (received ${received.length}: ${JSON.stringify(received).slice(0, 500)})`));
        }, timeoutMs);
        const wake = (): void => void check();
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(wake);
        };
        if (!check()) waiters.add(wake);
      });
    },
  };
}
