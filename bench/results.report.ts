import type { LoadResult } from './latency-stats';

export interface ScenarioResult {
  readonly name: string;
  readonly description: string;
  readonly status: 'ok' | 'failed';
  /** Why the scenario failed: its set-up threw, or some of its requests failed. */
  readonly error?: string;
  readonly service?: LoadResult;
  readonly floor?: LoadResult & { readonly description: string };
  /** service ÷ floor: throughput below 1 and latencies above 1 say how far the service is from bare pg. */
  readonly ratio?: { readonly throughput: number; readonly p50: number; readonly p99: number };
}

export function ratioToFloor(service: LoadResult, floor: LoadResult): ScenarioResult['ratio'] {
  const divide = (a: number, b: number): number => (b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : Number.NaN);
  return {
    throughput: divide(service.requestsPerSecond, floor.requestsPerSecond),
    p50: divide(service.p50Ms, floor.p50Ms),
    p99: divide(service.p99Ms, floor.p99Ms),
  };
}

const fixed = (value: number | undefined, digits: number): string =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (value: number | undefined): string => (value === undefined || !Number.isFinite(value) ? '-' : `${value.toFixed(2)}x`);

/** The results as a plain-text table, one row per scenario, service next to its floor. */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'floor req/s', 'floor p50', 'floor p99', 'req/s vs floor', 'p50 vs floor', 'p99 vs floor'];
  const rows = results.map((result) => [
    result.status === 'ok' ? result.name : `${result.name} (FAILED)`,
    fixed(result.service?.requestsPerSecond, 0),
    fixed(result.service?.p50Ms, 2),
    fixed(result.service?.p99Ms, 2),
    fixed(result.floor?.requestsPerSecond, 0),
    fixed(result.floor?.p50Ms, 2),
    fixed(result.floor?.p99Ms, 2),
    times(result.ratio?.throughput),
    times(result.ratio?.p50),
    times(result.ratio?.p99),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (cells: string[]): string =>
    cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  ');
  const lines = [format(header), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.map(format)];
  for (const result of results) {
    if (result.error) lines.push(`${result.name}: ${result.error}`);
  }
  return `${lines.join('\n')}\n`;
}
