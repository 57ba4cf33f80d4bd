import autocannon from 'autocannon';
import { LatencyRecorder, LoadResult } from './latency-stats';

/** One HTTP request, repeated by every connection for the whole run. */
export interface HttpRequestSpec {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

/**
 * Drives `request` at `connections` concurrent keep-alive connections for `seconds` with
 * autocannon, timing every response (autocannon's own histogram rounds to whole ms).
 */
export async function runHttpLoad(
  baseUrl: string,
  request: HttpRequestSpec,
  connections: number,
  seconds: number,
  recorder: LatencyRecorder,
): Promise<LoadResult> {
  const started = process.hrtime.bigint();
  const summary = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: new URL(request.path, baseUrl).toString(),
        method: request.method,
        headers: { ...request.headers },
        ...(request.body !== undefined && { body: request.body }),
        connections,
        pipelining: 1,
        duration: seconds,
        timeout: 10,
      },
      (error: unknown, result: autocannon.Result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, statusCode, _bytes, responseTime) => {
      if (statusCode >= 200 && statusCode < 300) recorder.record(responseTime);
      else recorder.fail(`HTTP ${statusCode}`);
    });
    instance.on('reqError', (error: unknown) => recorder.fail(error instanceof Error ? error.message : String(error)));
  });
  if (summary.timeouts > 0 && recorder.errors === 0) recorder.fail(`${summary.timeouts} timeouts`);
  return recorder.result(Number(process.hrtime.bigint() - started) / 1e9);
}
