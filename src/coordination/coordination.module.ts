import { Module, OnModuleInit } from '@nestjs/common';
import { FhirModule, FhirStore } from '../fhir';
import { CoordinationReactions } from './coordination.reactions';
import { CoordinationService } from './coordination.service';
import { CoordinationSettingsRepository } from './coordination-settings.repository';
import { PlanChangesWriter } from './plan-changes.writer';
import { PlanContextReader } from './plan-context.reader';
import { ProtocolCatalog } from './protocol.catalog';
import { TaskScheduleRepository } from './task-schedule.repository';
import { TaskSweepJob } from './task-sweep.job';

/**
 * Coordination: protocols turn encounter events into CarePlans, Tasks and referrals
 * (`CoordinationService.handleEvent`, called by the doors inside their transaction); plans
 * follow their Tasks and referrals whichever door changed them (`CoordinationReactions`, the
 * store's `react` step); the schedule releases reminders and escalates overdue work
 * (`TaskSweepJob`).
 */
@Module({
  imports: [FhirModule],
  providers: [
    ProtocolCatalog,
    CoordinationSettingsRepository,
    TaskScheduleRepository,
    PlanContextReader,
    PlanChangesWriter,
    CoordinationService,
    CoordinationReactions,
    TaskSweepJob,
  ],
  exports: [CoordinationService, TaskSweepJob],
})
export class CoordinationModule implements OnModuleInit {
  constructor(
    private readonly store: FhirStore,
    private readonly reactions: CoordinationReactions,
  ) {}

  /** Composition: the store's `react` step is coordination's (FhirStore does not depend on coordination). */
  onModuleInit(): void {
    this.store.useReactions(this.reactions);
  }
}
