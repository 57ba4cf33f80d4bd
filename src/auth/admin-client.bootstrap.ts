import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { ApiClientsService } from './api-clients.service';

/** With LIAISON_ADMIN_CLIENT_ID/_SECRET set, start-up ensures that client (every scope, tenant `default`). */
@Injectable()
export class AdminClientBootstrap implements OnApplicationBootstrap {
  private readonly log = new Logger(AdminClientBootstrap.name);

  constructor(
    @Inject(LIAISON_CONFIG) private readonly config: LiaisonConfig,
    private readonly clients: ApiClientsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.config.adminClient;
    if (!admin) return;
    await this.clients.ensureAdmin(admin);
    this.log.log(`admin client ${admin.clientId} ensured in tenant default`);
  }
}
