import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { decideAccess, scopesAllow, systemScope } from '@liaison/smart-scopes';
import { notAuthenticated, notPermitted } from './access.error';
import { AccessTokenService } from './access-token.service';
import { authCarrierOf } from './auth-request';
import { IS_PUBLIC } from './public.decorator';
import { REQUIRED_SCOPES, ScopeRequirement } from './require-scope.decorator';

/** The required scopes the token lacks, e.g. `system/Task.u`. */
function missingScopes(requirements: readonly ScopeRequirement[], granted: readonly string[]): string {
  return requirements
    .filter((r) => !scopesAllow(granted, r.resourceType, r.interaction))
    .map((r) => systemScope(r.resourceType, [r.interaction]))
    .join(' ');
}

/**
 * Global guard: every route needs a valid access token unless marked `@Public()`, and the
 * token must grant each `@RequireScope(…)` on the route. Sets `request.principal`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC, targets) === true;
    if (isPublic) return true;
    const carrier = authCarrierOf(context);
    if (!carrier) throw notAuthenticated('this kind of request cannot carry an access token');
    const header = carrier.headers.authorization;
    carrier.principal ??= await this.tokens.authenticate(Array.isArray(header) ? undefined : header);
    const scopes = this.reflector.getAllAndMerge<ScopeRequirement[]>(REQUIRED_SCOPES, targets) ?? [];
    const decision = decideAccess({ isPublic, scopes }, carrier.principal.scopes);
    if (decision === 'unauthenticated') throw notAuthenticated('an access token is required');
    if (decision === 'forbidden') throw notPermitted(`the access token does not grant ${missingScopes(scopes, carrier.principal.scopes)}`);
    return true;
  }
}
