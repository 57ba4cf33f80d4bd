import { DynamicModule, Module } from '@nestjs/common';
import { CLOCK, Clock, systemClock } from './platform/clock/clock';
import { LIAISON_CONFIG, LiaisonConfig } from './platform/config/config';
import { DatabaseModule } from './platform/database/database.module';
import { LoggingModule } from './platform/logging/logging.module';
import { HealthModule } from './health/health.module';
import { AuthModule } from './auth/auth.module';
import { FhirModule } from './fhir/fhir.module';
import { CoordinationModule } from './coordination/coordination.module';
import { EventsModule } from './events/events.module';
import { IngestModule } from './ingest/ingest.module';
import { GraphqlApiModule } from './graphql/graphql-api.module';

/** Composition only: which capability modules make up the service. */
@Module({})
export class AppModule {
  static forRoot(config: LiaisonConfig, databaseUrl: string, clock: Clock = systemClock): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        LoggingModule.forConfig(config),
        DatabaseModule.forUrl(databaseUrl),
        HealthModule,
        AuthModule,
        FhirModule,
        CoordinationModule,
        EventsModule,
        IngestModule,
        GraphqlApiModule,
      ],
      providers: [
        { provide: LIAISON_CONFIG, useValue: config },
        { provide: CLOCK, useValue: clock },
      ],
      exports: [LIAISON_CONFIG, CLOCK],
    };
  }
}
