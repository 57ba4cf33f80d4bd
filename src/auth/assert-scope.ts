import { scopesAllow, systemScope, type Interaction } from '@liaison/smart-scopes';
import { notPermitted } from './access.error';
import type { Principal } from './principal';

/**
 * For doors that learn the resource type per request (the FHIR API's `/:type`): throws the
 * same 403 AccessError as `@RequireScope` when the token does not grant `interaction` on it.
 */
export function assertScope(principal: Principal, resourceType: string, interaction: Interaction): void {
  if (!scopesAllow(principal.scopes, resourceType, interaction)) {
    throw notPermitted(`the access token does not grant ${systemScope(resourceType, [interaction])}`);
  }
}
