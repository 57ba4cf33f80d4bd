import type { BenchScenario } from '../scenario';
import { accessToken } from '../service-token';

/** An authenticated request that does nothing: the cost of the guard (JWT verification, scopes). */
export const whoami: BenchScenario = {
  name: 'whoami',
  description: 'GET /oauth2/whoami with a Bearer token (authenticated no-op)',
  async service({ baseUrl, client }) {
    const token = await accessToken(baseUrl, client);
    const headers = { authorization: `Bearer ${token}` };
    const probe = await fetch(new URL('/oauth2/whoami', baseUrl), { headers });
    if (probe.status !== 200) throw new Error(`GET /oauth2/whoami answered ${probe.status}, expected 200`);
    return { kind: 'http', request: { method: 'GET', path: '/oauth2/whoami', headers } };
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
