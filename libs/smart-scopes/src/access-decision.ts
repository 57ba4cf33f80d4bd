import { Interaction } from './scope';
import { scopesAllow } from './scopes-allow';

/** What a route asks of its caller. */
export interface AccessRequirement {
  /** No token needed (health, discovery, the token endpoint). */
  readonly isPublic: boolean;
  /** Scopes the token must grant, all of them; empty for "any authenticated client". */
  readonly scopes: readonly { readonly resourceType: string; readonly interaction: Interaction }[];
}

export type AccessDecision = 'allow' | 'unauthenticated' | 'forbidden';

/**
 * The guard's decision: public routes are open; others need a verified token (`grantedScopes`
 * undefined means none was presented or it failed verification) granting every required scope.
 */
export function decideAccess(requirement: AccessRequirement, grantedScopes: readonly string[] | undefined): AccessDecision {
  if (requirement.isPublic) return 'allow';
  if (grantedScopes === undefined) return 'unauthenticated';
  const granted = requirement.scopes.every((need) => scopesAllow(grantedScopes, need.resourceType, need.interaction));
  return granted ? 'allow' : 'forbidden';
}
