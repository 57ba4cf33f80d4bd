import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, MercuriusDriverConfig } from '@nestjs/mercurius';
import { AccessTokenService, AuthModule } from '../auth';
import { EventsModule } from '../events';
import { FhirModule } from '../fhir';
import { LIAISON_CONFIG, LiaisonConfig } from '../platform/config/config';
import { CareActionsService } from './care-actions.service';
import { CoordinationReadsService } from './coordination-reads.service';
import { GraphqlErrorFilter } from './graphql-error.filter';
import { graphqlOptions } from './graphql.options';
import { LiveEventsService } from './live-events.service';
import { ReleaseReadsInterceptor } from './release-reads.interceptor';
import { CarePlanResolver } from './resolvers/care-plan.resolver';
import { CoverageResolver } from './resolvers/coverage.resolver';
import { EncounterResolver } from './resolvers/encounter.resolver';
import { EventsResolver } from './resolvers/events.resolver';
import { PatientResolver } from './resolvers/patient.resolver';
import { ReferralResolver } from './resolvers/referral.resolver';
import { TaskResolver } from './resolvers/task.resolver';
import { WorklistResolver } from './resolvers/worklist.resolver';

/**
 * The GraphQL API for internal apps (issue 6) at /graphql (HTTP and WebSocket): worklists,
 * patient views, task actions and live updates over the coordination domain, code-first with
 * @nestjs/graphql on Mercurius (our Fastify). Reads and writes go through the FHIR module's
 * services inside the caller's tenant transaction; the schema is printed to schema.graphql.
 */
@Module({
  imports: [
    FhirModule,
    EventsModule,
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      imports: [AuthModule],
      inject: [LIAISON_CONFIG, AccessTokenService],
      useFactory: (config: LiaisonConfig, tokens: AccessTokenService) => graphqlOptions(config, tokens),
    }),
  ],
  providers: [
    CoordinationReadsService,
    CareActionsService,
    LiveEventsService,
    GraphqlErrorFilter,
    ReleaseReadsInterceptor,
    WorklistResolver,
    TaskResolver,
    PatientResolver,
    CarePlanResolver,
    EncounterResolver,
    ReferralResolver,
    CoverageResolver,
    EventsResolver,
  ],
})
export class GraphqlApiModule {}
