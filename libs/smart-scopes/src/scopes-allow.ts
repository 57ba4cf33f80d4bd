import { Interaction, parseScope, ResourceScope, ScopeContext } from './scope';

export interface ScopeCheckOptions {
  /**
   * Which launch contexts count. Backend-services tokens carry `system` scopes; `user` and
   * `patient` scopes need a user or patient in context, which a client-credentials token has not.
   */
  readonly contexts?: readonly ScopeContext[];
}

const SYSTEM_ONLY: readonly ScopeContext[] = ['system'];

/**
 * Every scope in `scopes` that grants `interaction` on `resourceType`, granular (restricted)
 * ones included: callers that can apply `parameters` as search filters use this.
 */
export function matchingScopes(
  scopes: readonly string[],
  resourceType: string,
  interaction: Interaction,
  options: ScopeCheckOptions = {},
): ResourceScope[] {
  const contexts = options.contexts ?? SYSTEM_ONLY;
  return scopes
    .map(parseScope)
    .filter(
      (scope): scope is ResourceScope =>
        scope !== undefined &&
        contexts.includes(scope.context) &&
        (scope.resourceType === '*' || scope.resourceType === resourceType) &&
        scope.interactions.includes(interaction),
    );
}

/**
 * True when some scope grants `interaction` on every resource of `resourceType`. A granular
 * scope (`?category=…`) grants only part of a type, so it does not count here; see
 * `matchingScopes`.
 */
export function scopesAllow(
  scopes: readonly string[],
  resourceType: string,
  interaction: Interaction,
  options: ScopeCheckOptions = {},
): boolean {
  return matchingScopes(scopes, resourceType, interaction, options).some((scope) => scope.parameters.length === 0);
}
