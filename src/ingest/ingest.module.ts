import { Module } from '@nestjs/common';
import { CoordinationModule } from '../coordination';
import { FhirModule } from '../fhir';
import { AdtEventApplier } from './adt-event.applier';
import { IngestMessageRepository } from './ingest-message.repository';
import { IngestResourceRepository } from './ingest-resource.repository';
import { IngestService } from './ingest.service';
import { MllpServer } from './mllp.server';
import { ProcessMessageController } from './process-message.controller';

/**
 * Admissions and discharges in: HL7 v2 ADT over MLLP and FHIR notifications
 * (`$process-message`), stored raw, applied through the FHIR store, handed to coordination.
 */
@Module({
  imports: [FhirModule, CoordinationModule],
  controllers: [ProcessMessageController],
  providers: [IngestMessageRepository, IngestResourceRepository, AdtEventApplier, IngestService, MllpServer],
  exports: [IngestService, MllpServer],
})
export class IngestModule {}
