import { Module } from '@nestjs/common';
import { FhirBundleService } from './bundle/fhir-bundle.service';
import { CapabilityStatementService } from './capabilities/capability-statement.service';
import { FhirDefinitionsService } from './definitions/fhir-definitions.service';
import { FhirInteractions } from './interactions/fhir-interactions.service';
import { FhirController } from './rest/fhir.controller';
import { FhirHttpSetup } from './rest/fhir-http.setup';
import { FhirRestService } from './rest/fhir-rest.service';
import { FHIR_SEARCH_PROVIDERS } from './search/fhir-search.providers';
import { FHIR_VIEW_EXPORTS, FHIR_VIEW_PROVIDERS } from './views/fhir-views.providers';
import { FhirResourceRepository } from './store/fhir-resource.repository';
import { FhirStore } from './store/fhir-store';
import { UniqueIdentifierRepository } from './store/unique-identifier.repository';
import { OutboxRepository } from './store/outbox.repository';
import { ChangeFeed } from './store/change-feed.service';

/**
 * FHIR R4: the resource store every door writes through (FhirStore), search, and the REST API
 * at /fhir/R4 with batch/transaction Bundles and capabilities.
 */
@Module({
  controllers: [FhirController],
  providers: [
    FhirDefinitionsService,
    FhirResourceRepository,
    UniqueIdentifierRepository,
    OutboxRepository,
    ChangeFeed,
    FhirStore,
    ...FHIR_SEARCH_PROVIDERS,
    ...FHIR_VIEW_PROVIDERS,
    FhirInteractions,
    FhirBundleService,
    CapabilityStatementService,
    FhirRestService,
    FhirHttpSetup,
  ],
  exports: [FhirDefinitionsService, FhirStore, FhirInteractions, ChangeFeed, ...FHIR_SEARCH_PROVIDERS, ...FHIR_VIEW_EXPORTS],
})
export class FhirModule {}
