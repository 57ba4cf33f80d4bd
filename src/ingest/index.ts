/** What other modules use of ingest: the module, the service (reprocess, list) and the MLLP listener's state. */
export { IngestModule } from './ingest.module';
export { IngestService, DEFAULT_FEED_TIME_ZONE } from './ingest.service';
export type { NotificationReply, ReprocessResult } from './ingest.service';
export { MllpServer } from './mllp.server';
export type { MllpCounters, MllpReadiness } from './mllp.server';
export type { IngestStatus, StoredMessage } from './ingest-message.repository';
