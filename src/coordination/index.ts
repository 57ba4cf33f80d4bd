/** What other modules use of coordination: the module, the event contract, the service and the schedule. */
export { CoordinationModule } from './coordination.module';
export { CoordinationService } from './coordination.service';
export type { CoordinationSettingsInput } from './coordination.service';
export type { CoordinationEventInput } from './coordination-event';
export type { StoredCoordinationSettings } from './coordination-settings.repository';
export { TaskSweepJob, SWEEP_SOURCE } from './task-sweep.job';
export type { SweepOptions, SweepReport } from './task-sweep.job';
