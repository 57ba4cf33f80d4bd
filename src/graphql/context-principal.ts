import { notAuthenticated, type Principal } from '../auth';

/** A Mercurius resolver context: over HTTP it has the Fastify reply (the AuthGuard put the principal on its request); a WebSocket's has the principal itself. */
interface ResolverContext {
  readonly principal?: Principal;
  readonly reply?: { readonly request?: { readonly principal?: Principal } };
}

/**
 * The caller, as `@CurrentPrincipal()` finds it, for field resolvers that take the raw
 * `(parent, args, context)` arguments: Nest calls a field resolver without parameter decorators
 * directly instead of through its per-call pipeline, which matters for fields resolved once per
 * row of a page. Root queries and mutations pass the AuthGuard first, so below them it is set.
 */
export function contextPrincipal(context: object): Principal {
  const { principal, reply } = context as ResolverContext;
  const found = principal ?? reply?.request?.principal;
  if (!found) throw notAuthenticated('an access token is required');
  return found;
}
