import { bootTestApp, TestApp } from '../harness/test-app';

describe('health', () => {
  let service: TestApp;
  beforeAll(async () => {
    service = await bootTestApp();
  });
  afterAll(() => service.close());

  it('is live', async () => {
    const response = await fetch(`${service.baseUrl}/health/live`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('is ready once the database answers and migrations are applied', async () => {
    const response = await fetch(`${service.baseUrl}/health/ready`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { details: Record<string, unknown> };
    expect(body.details).toMatchObject({ database: { status: 'up' }, migrations: { status: 'up' } });
  });

  it('reports not ready when a migration is missing', async () => {
    const [last] = await service.sql('SELECT name FROM migrations ORDER BY id DESC LIMIT 1');
    await service.sql('DELETE FROM migrations WHERE name = $1', [last.name]);
    try {
      const response = await fetch(`${service.baseUrl}/health/ready`);
      expect(response.status).toBe(503);
      expect(((await response.json()) as { details: Record<string, unknown> }).details.migrations).toMatchObject({ status: 'down' });
    } finally {
      await service.sql(`INSERT INTO migrations (timestamp, name) VALUES ($1, $2)`, [
        Number(String(last.name).match(/\d+$/)![0]),
        last.name,
      ]);
    }
  });

  it('echoes a sane request id and makes one otherwise', async () => {
    const kept = await fetch(`${service.baseUrl}/health/live`, { headers: { 'x-request-id': 'abc-123' } });
    expect(kept.headers.get('x-request-id')).toBe('abc-123');
    const made = await fetch(`${service.baseUrl}/health/live`, { headers: { 'x-request-id': 'not a sane id; '.repeat(20) } });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
