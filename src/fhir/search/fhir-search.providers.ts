import { Provider } from '@nestjs/common';
import { FhirSearchService } from './fhir-search.service';
import { searchCatalogProvider } from './search-catalog.provider';
import { SearchIndexer } from './search-indexer';
import { SearchRepository } from './search.repository';

/**
 * FHIR search's providers, registered in FhirModule: the index the store writes through
 * (`SearchIndexer`) and the queries of the REST controller and conditional interactions
 * (`FhirSearchService`). The catalog needs FhirDefinitionsService (same module).
 */
export const FHIR_SEARCH_PROVIDERS: Provider[] = [searchCatalogProvider, SearchRepository, SearchIndexer, FhirSearchService];
