import { Provider } from '@nestjs/common';
import { FhirReadService } from './fhir-reads.service';
import { ResourceReadsRepository } from './resource-reads.repository';
import { TaskWorklistRepository } from './task-worklist.repository';
import { TaskWorklistService } from './task-worklist.service';

/** Reads for views (GraphQL): worklists over the Task worklist index, batched reads, history. */
export const FHIR_VIEW_PROVIDERS: Provider[] = [TaskWorklistRepository, TaskWorklistService, ResourceReadsRepository, FhirReadService];

/** The part of them other modules use. */
export const FHIR_VIEW_EXPORTS = [TaskWorklistService, FhirReadService];
