/** What other modules use of auth: the guard's decorators and errors, the Principal, token checks. */
export { AccessError, accessErrorResponse, apiSurfaceOf, graphqlAccessError, notAuthenticated, notPermitted } from './access.error';
export type { AccessErrorResponse, AccessFailure, ApiSurface } from './access.error';
export { AccessTokenService } from './access-token.service';
export { assertScope } from './assert-scope';
export { AuthModule } from './auth.module';
export { CurrentPrincipal } from './current-principal.decorator';
export type { Principal } from './principal';
export { Public } from './public.decorator';
export { RequireScope } from './require-scope.decorator';
