import { CLIENT_ASSERTION_ALGORITHMS } from './client-jwks';

/**
 * SMART App Launch 2.x discovery document (`/.well-known/smart-configuration`) for a server
 * that serves backend services: client credentials only, no user-facing authorization.
 */
export function smartConfiguration(baseUrl: string): Record<string, unknown> {
  return {
    issuer: baseUrl,
    jwks_uri: `${baseUrl}/.well-known/jwks.json`,
    token_endpoint: `${baseUrl}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['private_key_jwt', 'client_secret_basic', 'client_secret_post'],
    token_endpoint_auth_signing_alg_values_supported: [...CLIENT_ASSERTION_ALGORITHMS],
    grant_types_supported: ['client_credentials'],
    scopes_supported: ['system/*.cruds', 'system/*.rs', 'system/*.read', 'system/*.write', 'system/*.*'],
    response_types_supported: ['token'],
    capabilities: ['client-confidential-asymmetric', 'client-confidential-symmetric', 'permission-v2', 'permission-v1'],
    code_challenge_methods_supported: [],
  };
}
