import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { JWK } from 'jose';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { Public } from './public.decorator';
import { SigningKeyService } from './signing-key.service';
import { smartConfiguration } from './smart-configuration';

@Public()
@Controller('.well-known')
export class WellKnownController {
  constructor(
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    private readonly keys: SigningKeyService,
  ) {}

  @Get('smart-configuration')
  @Header('Cache-Control', 'public, max-age=300')
  smartConfiguration(): Record<string, unknown> {
    return smartConfiguration(this.config.baseUrl);
  }

  /** The public keys access tokens are signed with. */
  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=300')
  jwks(): { keys: JWK[] } {
    return this.keys.jwks();
  }
}
