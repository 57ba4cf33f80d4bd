import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { notAuthenticated } from './access.error';
import { authCarrierOf } from './auth-request';
import type { Principal } from './principal';

/** The authenticated caller of a guarded route or resolver (set by the AuthGuard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = authCarrierOf(context)?.principal;
  if (!principal) throw notAuthenticated('an access token is required');
  return principal;
});
