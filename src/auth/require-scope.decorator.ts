import type { AccessRequirement, Interaction } from '@liaison/smart-scopes';

export const REQUIRED_SCOPES = 'liaison:required-scopes';

export type ScopeRequirement = AccessRequirement['scopes'][number];

/**
 * The access token must grant `interaction` on `resourceType` (e.g. `system/Task.r` or wider).
 * Stacks: several on one route all apply; on a controller they apply to every route.
 */
export function RequireScope(resourceType: string, interaction: Interaction): ClassDecorator & MethodDecorator {
  const requirement: ScopeRequirement = { resourceType, interaction };
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor): void => {
    const holder: object = descriptor?.value ?? target;
    const existing = (Reflect.getMetadata(REQUIRED_SCOPES, holder) as ScopeRequirement[] | undefined) ?? [];
    Reflect.defineMetadata(REQUIRED_SCOPES, [...existing, requirement], holder);
  };
}
