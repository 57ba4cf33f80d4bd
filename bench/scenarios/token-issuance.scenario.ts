import { randomUUID } from 'node:crypto';
import type { BenchScenario } from '../scenario';
import { accessToken, basicAuthorization, TOKEN_REQUEST_BODY } from '../service-token';

/** OAuth 2.0 client_credentials with client_secret_basic: verify the secret, sign a JWT. */
export const tokenIssuance: BenchScenario = {
  name: 'token-issuance',
  description: 'POST /oauth2/token, client_credentials with client_secret_basic',
  async service({ baseUrl, client }) {
    await accessToken(baseUrl, client); // fails fast, with a clear message, when the endpoint is missing
    return {
      kind: 'http',
      request: {
        method: 'POST',
        path: '/oauth2/token',
        headers: { authorization: basicAuthorization(client), 'content-type': 'application/x-www-form-urlencoded' },
        body: TOKEN_REQUEST_BODY,
      },
    };
  },
  async floor({ client }) {
    return {
      description: 'SELECT the api_clients row by id, then INSERT one row (client_assertion_jtis)',
      async once(db) {
        const found = await db.query('SELECT client_id, tenant_id, secret_hash, jwks, scopes, active FROM api_clients WHERE client_id = $1', [
          client.clientId,
        ]);
        if (found.rowCount !== 1) throw new Error(`api_clients has no row for ${client.clientId}`);
        await db.query(
          `INSERT INTO client_assertion_jtis (client_id, jti, tenant_id, expires_at) VALUES ($1, $2, $3, now() + interval '5 minutes')`,
          [client.clientId, randomUUID(), client.tenantId],
        );
      },
    };
  },
};
