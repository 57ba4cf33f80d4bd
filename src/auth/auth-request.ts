import type { ExecutionContext } from '@nestjs/common';
import type { Principal } from './principal';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the AuthGuard once the access token is verified. */
    principal?: Principal;
  }
}

/** What the guard needs of a request, whichever door it came through. */
export interface AuthCarrier {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

interface GraphqlContext {
  req?: AuthCarrier;
  reply?: { request?: AuthCarrier };
  request?: AuthCarrier;
  principal?: Principal;
}

/**
 * The object that carries the Authorization header and, once verified, the principal: the HTTP
 * request, or for GraphQL the request in the resolver context (Apollo `req`, Mercurius
 * `reply.request`) or the context itself (WebSocket subscriptions, whose context factory
 * verifies `connection_init` and sets `principal`).
 */
export function authCarrierOf(context: ExecutionContext): AuthCarrier | undefined {
  const type = context.getType<string>();
  if (type === 'http') return context.switchToHttp().getRequest<AuthCarrier>();
  if (type === 'graphql') {
    const gql = context.getArgByIndex<GraphqlContext | undefined>(2);
    if (!gql) return undefined;
    const request = gql.req ?? gql.reply?.request ?? gql.request;
    if (gql.principal) return { headers: request?.headers ?? {}, principal: gql.principal };
    return request;
  }
  return undefined;
}
