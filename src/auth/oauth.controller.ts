import { Body, Controller, Get, Header, Headers, HttpCode, Post, UseFilters } from '@nestjs/common';
import { CurrentPrincipal } from './current-principal.decorator';
import { OAuthErrorFilter } from './oauth-error';
import { OAuthTokenService, TokenResponse } from './oauth-token.service';
import type { Principal } from './principal';
import { Public } from './public.decorator';

@Controller('oauth2')
export class OAuthController {
  constructor(private readonly tokens: OAuthTokenService) {}

  /** RFC 6749 §4.4 client credentials grant. */
  @Public()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  @UseFilters(OAuthErrorFilter)
  token(
    @Headers('authorization') authorization: string | undefined,
    @Headers('content-type') contentType: string | undefined,
    @Body() form: unknown,
  ): Promise<TokenResponse> {
    return this.tokens.grant({ authorization, contentType, form });
  }

  /** Who the access token speaks for: an authenticated no-op. */
  @Get('whoami')
  whoami(@CurrentPrincipal() principal: Principal): { client_id: string; tenant: string; scope: string } {
    return { client_id: principal.clientId, tenant: principal.tenantId, scope: principal.scopes.join(' ') };
  }
}
