/** What one side (service or floor) of a scenario achieved in its measured window. */
export interface LoadResult {
  /** Operations that succeeded (HTTP: 2xx responses). */
  readonly requests: number;
  /** Operations that failed (HTTP: non-2xx, connection errors, timeouts). */
  readonly errors: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** The first failure seen, for the report (a status code or an error message; never a body). */
  readonly firstError?: string;
}

/** Nearest-rank percentile of ascending `sorted` values; NaN when empty. */
export function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(fraction * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

/** Collects latencies of successful operations and failures while a load runs. */
export class LatencyRecorder {
  private values = new Float64Array(1 << 16);
  private count = 0;
  errors = 0;
  firstError: string | undefined;

  get completed(): number {
    return this.count;
  }

  record(ms: number): void {
    if (this.count === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.count++] = ms;
  }

  fail(description: string): void {
    this.errors++;
    this.firstError ??= description;
  }

  result(seconds: number): LoadResult {
    const sorted = this.values.slice(0, this.count).sort();
    return {
      requests: this.count,
      errors: this.errors,
      seconds,
      requestsPerSecond: seconds > 0 ? this.count / seconds : 0,
      p50Ms: percentile(sorted, 0.5),
      p99Ms: percentile(sorted, 0.99),
      ...(this.firstError !== undefined && { firstError: this.firstError }),
    };
  }
}
