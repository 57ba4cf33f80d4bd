import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TenancyModule } from '../tenancy/tenancy.module';
import { AccessErrorFilter } from './access-error.filter';
import { AccessTokenService } from './access-token.service';
import { AdminClientBootstrap } from './admin-client.bootstrap';
import { ApiClientRepository } from './api-client.repository';
import { ApiClientsService } from './api-clients.service';
import { AuthGuard } from './auth.guard';
import { ClientSecretVerifier } from './client-secret';
import { OAuthController } from './oauth.controller';
import { OAuthTokenService } from './oauth-token.service';
import { SigningKeyService } from './signing-key.service';
import { WellKnownController } from './well-known.controller';

/**
 * OAuth 2.0 client credentials and SMART Backend Services, the service's signing key, SMART
 * discovery, and the global guard every route passes (`@Public()` opts out).
 */
@Module({
  imports: [TenancyModule],
  controllers: [OAuthController, WellKnownController],
  providers: [
    SigningKeyService,
    AccessTokenService,
    ApiClientRepository,
    ApiClientsService,
    OAuthTokenService,
    ClientSecretVerifier,
    AdminClientBootstrap,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: AccessErrorFilter },
  ],
  exports: [AccessTokenService, ApiClientsService],
})
export class AuthModule {}
