import { LatencyRecorder, LoadResult } from './latency-stats';

/** One concurrent actor of a closed-loop load: a `pg` client, an MLLP socket, a WebSocket. */
export interface LoopWorker {
  /** One operation; resolves when it is complete. */
  once(iteration: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Paced (open loop): start an operation every `intervalMs` on this worker (workers staggered
   * evenly) instead of back to back, e.g. 16 workers at 160 ms = 100 operations/s. Only the
   * operation is timed, not the wait for its slot; a late operation starts at once.
   */
  readonly intervalMs?: number;
}

/**
 * Runs `connections` workers, each repeating its operation back to back until `seconds`
 * have passed (a closed loop, like autocannon's connections), or at its own pace when it has
 * an `intervalMs`, timing every operation.
 */
export async function runLoopLoad(
  open: (worker: number) => Promise<LoopWorker>,
  connections: number,
  seconds: number,
  recorder: LatencyRecorder,
): Promise<LoadResult> {
  const workers = await Promise.all(Array.from({ length: connections }, (_, index) => open(index)));
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(Math.round(seconds * 1e9));
  try {
    await Promise.all(
      workers.map(async (worker, index) => {
        for (let iteration = 0; process.hrtime.bigint() < deadline; iteration++) {
          if (worker.intervalMs) {
            const slot = started + BigInt(Math.round((iteration + index / workers.length) * worker.intervalMs * 1e6));
            if (slot >= deadline) break;
            const wait = Number(slot - process.hrtime.bigint()) / 1e6;
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          const begun = process.hrtime.bigint();
          try {
            await worker.once(iteration);
            recorder.record(Number(process.hrtime.bigint() - begun) / 1e6);
          } catch (error) {
            recorder.fail(error instanceof Error ? error.message : String(error));
          }
        }
      }),
    );
    return recorder.result(Number(process.hrtime.bigint() - started) / 1e9);
  } finally {
    await Promise.all(workers.map((worker) => worker.close().catch(() => undefined)));
  }
}
