import { performance } from 'node:perf_hooks';
import { Injectable } from '@nestjs/common';
import { scopesAllow } from '@liaison/smart-scopes';
import { ApiClientsService } from '../auth/api-clients.service';

/** How long a tenant's client list is reused before it is read again. */
const CACHE_MS = 5_000;

/**
 * Authorization at delivery time: a subscription's notifications go out only while the API
 * client that created it is still active and may still read the topic's resource type — both
 * by its registered scopes now and by the token scopes it created the subscription with.
 */
@Injectable()
export class ClientAccess {
  private readonly cache = new Map<string, { at: number; clients: Map<string, { active: boolean; scopes: readonly string[] }> }>();

  constructor(private readonly clients: ApiClientsService) {}

  /** Undefined when allowed; otherwise why not (no PHI: ids and scope names only). */
  async refusal(tenantId: string, clientId: string, tokenScopes: readonly string[], resourceType: string): Promise<string | undefined> {
    if (!scopesAllow(tokenScopes, resourceType, 'r')) return `the subscription's token did not grant reading ${resourceType}`;
    const client = (await this.clientsOf(tenantId)).get(clientId) ?? (await this.clientsOf(tenantId, true)).get(clientId);
    if (!client) return `API client ${clientId} no longer exists`;
    if (!client.active) return `API client ${clientId} is disabled`;
    if (!scopesAllow(client.scopes, resourceType, 'r')) return `API client ${clientId} may no longer read ${resourceType}`;
    return undefined;
  }

  private async clientsOf(tenantId: string, fresh = false): Promise<Map<string, { active: boolean; scopes: readonly string[] }>> {
    // A cache age, not business time: measured on the monotonic clock, so a test's frozen clock cannot pin it.
    const now = performance.now();
    const cached = this.cache.get(tenantId);
    if (cached && !fresh && now - cached.at < CACHE_MS) return cached.clients;
    const list = await this.clients.list(tenantId);
    const clients = new Map(list.map((c) => [c.clientId, { active: c.active, scopes: c.scopes }]));
    this.cache.set(tenantId, { at: now, clients });
    return clients;
  }
}
