import type { BenchScenario } from '../scenario';

/**
 * The HTTP stack alone: no authentication, no database. Checks the harness itself and shows
 * what any request costs before the service does work.
 */
export const healthLive: BenchScenario = {
  name: 'health-live',
  description: 'GET /health/live (no auth, no database)',
  async service() {
    return { kind: 'http', request: { method: 'GET', path: '/health/live' } };
  },
  async floor() {
    return {
      description: 'SELECT 1 (one database round trip)',
      async once(db) {
        await db.query('SELECT 1');
      },
    };
  },
};
