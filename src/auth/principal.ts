/**
 * Who is calling: the authenticated API client, its tenant and the scopes its access token
 * grants. Set on the request by the global AuthGuard; read with `@CurrentPrincipal()`.
 */
export interface Principal {
  readonly clientId: string;
  readonly tenantId: string;
  /** The granted scopes as written in the token (SMART v2 or v1 syntax). */
  readonly scopes: readonly string[];
}
