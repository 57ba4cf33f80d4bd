/**
 * What other modules use of FHIR: the module, the one write path (FhirStore) and its types,
 * search, the definitions registry, and the error mapping of the FHIR API (for other routes
 * under /fhir/R4, such as `$process-message`).
 */
export { FhirModule } from './fhir.module';
export { FhirStore } from './store/fhir-store';
export type { CreateOptions, DeleteResult, ResourceChange, StoredResource, UpdateOptions, WriteOutcome } from './store/fhir-store';
export type { WriteReactions } from './store/write-steps';
export { ChangeFeed } from './store/change-feed.service';
export type { FeedEvent } from './store/change-feed.service';
export { FhirDefinitionsService } from './definitions/fhir-definitions.service';
export { FhirSearchService } from './search/fhir-search.service';
export { TaskWorklistService } from './views/task-worklist.service';
export type { WorklistCriteria, WorklistOrder, WorklistPageIncludes, WorklistPageRows, WorklistPosition, WorklistRow } from './views/task-worklist.service';
export { FhirReadService } from './views/fhir-reads.service';
export type { ReferencePath, ReferencingRow, VersionRow } from './views/fhir-reads.service';
export { FhirInteractions } from './interactions/fhir-interactions.service';
export { FhirExceptionFilter, fhirErrorAnswer } from './rest/fhir-exception.filter';
export { bodyOf, fhirContextOf, UnparsableBody } from './rest/fhir-request';
export type { FhirRequestContext } from './rest/fhir-request';
export { httpStatusOf } from '@liaison/fhir-store';
