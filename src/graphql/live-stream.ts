import type { Clock } from '../platform/clock/clock';

const ENDED = Symbol('ended');

/**
 * A subscription's stream of payloads over a source of events: each event is re-checked and
 * mapped by `accept` (undefined: not for this subscriber), and the stream ends — the client
 * gets `complete` — when the access token it was opened with expires (a timer, and the clock
 * checked again at each event), when the client stops it, or when the source ends. Ending it
 * ends the source (unsubscribes). An explicit iterator rather than an async generator, so
 * `return()` takes effect while it waits for the next event.
 */
export class LiveStream<Event, Payload> implements AsyncIterableIterator<Payload> {
  private done = false;
  private readonly ended: Promise<typeof ENDED>;
  private signalEnd!: () => void;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly source: AsyncIterator<Event>,
    private readonly accept: (event: Event) => Payload | undefined,
    private readonly expiresAtMs: number,
    private readonly clock: Clock,
  ) {
    this.ended = new Promise((resolve) => {
      this.signalEnd = () => resolve(ENDED);
    });
    this.timer = setTimeout(() => this.end(), Math.min(Math.max(expiresAtMs - clock.now().getTime(), 0), 2 ** 31 - 1));
    this.timer.unref();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Payload> {
    return this;
  }

  async next(): Promise<IteratorResult<Payload>> {
    while (!this.done) {
      const result = await Promise.race([this.source.next(), this.ended]);
      if (result === ENDED || result.done || this.clock.now().getTime() >= this.expiresAtMs) break;
      const payload = this.accept(result.value);
      if (payload !== undefined) return { value: payload, done: false };
    }
    this.end();
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<Payload>> {
    this.end();
    return { value: undefined, done: true };
  }

  private end(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.signalEnd();
    void this.source.return?.();
  }
}
