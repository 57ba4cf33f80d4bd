/** Polls `probe` until it returns a value `done` accepts; fails after `timeoutMs` showing the last value. */
export async function waitUntil<T>(probe: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 10_000, what = 'a condition'): Promise<T> {
  const started = Date.now();
  let last: T = await probe();
  while (!done(last)) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    last = await probe();
  }
  return last;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
