import { Module } from '@nestjs/common';
import { AuthModule } from '../auth';
import { FhirModule } from '../fhir';
import { ChangeStream } from './change-stream';
import { ClientAccess } from './client-access.service';
import { DeliveryWorker } from './delivery.worker';
import { OutboxRelay } from './outbox-relay.service';
import { PgNotifications } from './pg-notifications.service';
import { SubscriptionController } from './subscription.controller';
import { SubscriptionRepository } from './subscription.repository';
import { SubscriptionsService } from './subscriptions.service';
import { TopicCatalog } from './topic.catalog';
import { TopicController } from './topic.controller';
import { WebhookSender } from './webhook.sender';

/**
 * Events: what happens to care plans, tasks, referrals, coverage and encounters, for those who
 * asked — the outbox relay (sequencing and matching), FHIR topic-based Subscriptions with signed
 * webhooks, and the live ChangeStream (GraphQL subscriptions), across instances.
 */
@Module({
  imports: [FhirModule, AuthModule],
  controllers: [SubscriptionController, TopicController],
  providers: [
    PgNotifications,
    OutboxRelay,
    ChangeStream,
    TopicCatalog,
    SubscriptionRepository,
    SubscriptionsService,
    ClientAccess,
    WebhookSender,
    DeliveryWorker,
  ],
  exports: [ChangeStream],
})
export class EventsModule {}
