/** What other modules use of events: the module and the live change stream. */
export { EventsModule } from './events.module';
export { ChangeStream } from './change-stream';
export type { ChangeEvent, ChangeEventFilter } from './change-event';
